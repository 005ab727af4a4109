extension Convolution {
    /// An output position as (image, row, column), stepped through in order without divisions.
    struct OutputPosition {
        private let g: Geometry
        private(set) var image: Int, row: Int, column: Int

        init(_ index: Int, in g: Geometry) {
            let perImage = g.outHeight * g.outWidth
            (self.g, image, row, column) = (g, index / perImage, index % perImage / g.outWidth, index % g.outWidth)
        }

        /// The input pixel (y, x) under the window's top-left tap, possibly outside the image.
        var windowOrigin: (y: Int, x: Int) { (row * g.stride - g.padding, column * g.stride - g.padding) }

        mutating func advance() { advance(by: 1) }

        /// Moves `count` positions on, at most to the end of the current output row.
        @inline(__always)
        mutating func advance(by count: Int) {
            column += count
            if column == g.outWidth {
                (column, row) = (0, row + 1)
                if row == g.outHeight { (row, image) = (0, image + 1) }
            }
        }
    }
}
