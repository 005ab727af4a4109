extension Convolution {
    /// Where the six rows of a panel (output positions) read each tap: their pixel in the NHWC image, or
    /// zeros outside it and for rows past the last position.
    ///
    /// Set up once per panel and read for every tap, so the per-tap work is a mask test and an add: each
    /// row keeps the offset of its window's top-left pixel and which kernel rows and columns of the
    /// window fall inside the image. Rows are visited in order from the panel's first position, without
    /// a division per row.
    struct WindowRows {
        private let x: UnsafePointer<Float>, zeros: UnsafePointer<Float>, g: Geometry
        /// Offset of row r's window origin (top-left tap, possibly outside the image).
        private var origin = Row(repeating: 0)
        /// Bit ky (kx) set when kernel row ky (column kx) of row r's window lies inside the image; both
        /// zero for rows past the last position.
        private var inRows = Row(repeating: 0), inColumns = Row(repeating: 0)
        private typealias Row = InlineArray<6, Int>

        init(_ x: UnsafePointer<Float>, _ g: Geometry, zeros: UnsafePointer<Float>, panel: Int) {
            var position = OutputPosition(panel * MicroKernel.mr, in: g)
            self.init(x, g, zeros: zeros, panel: panel, from: &position)
        }

        /// `WindowRows(x, g, zeros: zeros, panel: panel, from: &position).fill(windows)`.
        ///
        /// Without the value in between for a panel of six windows side by side in one output row, all
        /// inside the image (most panels): one origin, the others a stride apart. Building the value cost
        /// about 8% of an 8-channel ResNet's evaluation.
        @inline(__always)
        static func fill(
            _ windows: UnsafeMutablePointer<WindowMicroKernel.Rows>, _ x: UnsafePointer<Float>, _ g: Geometry,
            zeros: UnsafePointer<Float>, panel: Int, from position: inout OutputPosition
        ) {
            let mr = MicroKernel.mr
            let (top, left) = position.windowOrigin
            guard
                panel * mr + mr <= g.positions && position.column + mr <= g.outWidth && top >= 0
                    && top + g.kernel <= g.height && left >= 0 && left + (mr - 1) * g.stride + g.kernel <= g.width
            else {
                fillEdge(windows, x, g, zeros: zeros, panel: panel, from: &position)
                return
            }
            let origin = x + ((position.image * g.height + top) * g.width + left) * g.inChannels
            let step = g.stride * g.inChannels
            for ky in 0..<g.kernel {
                for kx in 0..<g.kernel {
                    let p = origin + (ky * g.width + kx) * g.inChannels
                    (windows + ky * g.kernel + kx).initialize(
                        to: .init(r0: p, r1: p + step, r2: p + 2 * step, r3: p + 3 * step, r4: p + 4 * step, r5: p + 5 * step))
                }
            }
            position.advance(by: mr)
        }

        @inline(never)
        private static func fillEdge(
            _ windows: UnsafeMutablePointer<WindowMicroKernel.Rows>, _ x: UnsafePointer<Float>, _ g: Geometry,
            zeros: UnsafePointer<Float>, panel: Int, from position: inout OutputPosition
        ) {
            WindowRows(x, g, zeros: zeros, panel: panel, from: &position).fill(windows)
        }

        /// The rows of `panel`, whose first position is `position`; leaves `position` at the next panel's.
        ///
        /// Inlined so that the fields are built where they are read: built out of line, each was written
        /// one by one and the whole value then copied out as vectors, which stalls on every copy.
        @inline(__always)
        init(
            _ x: UnsafePointer<Float>, _ g: Geometry, zeros: UnsafePointer<Float>, panel: Int,
            from position: inout OutputPosition
        ) {
            (self.x, self.g, self.zeros) = (x, g, zeros)
            let mr = MicroKernel.mr, first = panel * mr
            for r in 0..<min(mr, g.positions - first) {
                let (top, left) = position.windowOrigin
                origin[r] = ((position.image * g.height + top) * g.width + left) * g.inChannels
                inRows[r] = Self.inside(top, g.kernel, g.height)
                inColumns[r] = Self.inside(left, g.kernel, g.width)
                position.advance()
            }
        }

        /// Bit i set when `start + i` lies in `0..<size`, for i in `0..<kernel`.
        @inline(__always)
        private static func inside(_ start: Int, _ kernel: Int, _ size: Int) -> Int {
            if start >= 0 && start + kernel <= size { return (1 << kernel) - 1 }
            let before = min(kernel, max(0, -start)), upTo = min(kernel, max(0, size - start))
            return ((1 << upTo) - 1) & ~((1 << before) - 1)
        }

        @inline(__always)
        private func pixel(_ r: Int, _ ky: Int, _ kx: Int, tapOffset: Int) -> UnsafePointer<Float> {
            (inRows[r] >> ky) & (inColumns[r] >> kx) & 1 != 0 ? x + (origin[r] + tapOffset) : zeros
        }

        /// The six rows' pixels for tap (ky, kx); the micro-kernels hold six rows (`MicroKernel.mr`).
        @inline(__always)
        func rows(_ ky: Int, _ kx: Int) -> WindowMicroKernel.Rows {
            let offset = (ky * g.width + kx) * g.inChannels
            return .init(
                r0: pixel(0, ky, kx, tapOffset: offset), r1: pixel(1, ky, kx, tapOffset: offset),
                r2: pixel(2, ky, kx, tapOffset: offset), r3: pixel(3, ky, kx, tapOffset: offset),
                r4: pixel(4, ky, kx, tapOffset: offset), r5: pixel(5, ky, kx, tapOffset: offset))
        }

        /// `windows[ky * kernel + kx] = rows(ky, kx)` for every tap.
        func fill(_ windows: UnsafeMutablePointer<WindowMicroKernel.Rows>) {
            let full = (1 << g.kernel) - 1
            var interior = true
            for r in 0..<MicroKernel.mr where inRows[r] != full || inColumns[r] != full { interior = false }
            guard interior else {
                for ky in 0..<g.kernel {
                    for kx in 0..<g.kernel { (windows + ky * g.kernel + kx).initialize(to: rows(ky, kx)) }
                }
                return
            }
            // Every window lies inside the image (most panels): no masks to test.
            let (o0, o1, o2) = (x + origin[0], x + origin[1], x + origin[2])
            let (o3, o4, o5) = (x + origin[3], x + origin[4], x + origin[5])
            for ky in 0..<g.kernel {
                for kx in 0..<g.kernel {
                    let t = (ky * g.width + kx) * g.inChannels
                    (windows + ky * g.kernel + kx).initialize(
                        to: .init(r0: o0 + t, r1: o1 + t, r2: o2 + t, r3: o3 + t, r4: o4 + t, r5: o5 + t))
                }
            }
        }
    }
}

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
