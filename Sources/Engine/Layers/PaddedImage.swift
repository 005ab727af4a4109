extension Convolution {
    /// A batch of NHWC images inside a border of zeros as wide as the layer's padding, so that every tap
    /// of every window is a pixel: a window is its origin (top-left tap), and tap (ky, kx) the same offset
    /// from every origin.
    ///
    /// The kernels then read six windows from six origins and a table of `taps` offsets, with no test per
    /// tap and no table of pixels per panel or position (building those cost 15-20% of an 8-channel
    /// ResNet's evaluation). The copy is one pass over the image; an unpadded layer reads its input in place.
    struct PaddedImage: @unchecked Sendable {
        let base: UnsafePointer<Float>
        private let height: Int, width: Int, channels: Int, stride: Int

        /// `x` with its border, in `buffer` (when the layer pads), copied one image per piece of work.
        init(_ x: UnsafePointer<Float>, _ g: Geometry, buffer: ScratchBuffer, parallelism: Parallelism) {
            // Every window inside the padded image (`LayerProgram` and the ONNX import check it).
            precondition(
                g.height + 2 * g.padding >= g.kernel && g.width + 2 * g.padding >= g.kernel,
                "window larger than the padded image")
            let p = g.padding, c = g.inChannels
            (height, width, channels, stride) = (g.height + 2 * p, g.width + 2 * p, c, g.stride)
            guard p > 0 else {
                base = x
                return
            }
            let (rows, columns) = (height, width)
            let size = rows * columns * c
            let target = SharedPointer(base: buffer.pointer(count: g.batch * size))
            let source = SharedReadPointer(base: x)
            parallelism.forEach(g.batch) { n in
                let image = target.base + n * size, row = g.width * c
                image.update(repeating: 0, count: p * columns * c)
                for y in 0..<g.height {
                    let out = image + ((y + p) * columns) * c
                    out.update(repeating: 0, count: p * c)
                    (out + p * c).update(from: source.base + (n * g.height + y) * row, count: row)
                    (out + p * c + row).update(repeating: 0, count: p * c)
                }
                (image + (p + g.height) * columns * c).update(repeating: 0, count: p * columns * c)
            }
            base = UnsafePointer(target.base)
        }

        private init(base: UnsafePointer<Float>, _ image: PaddedImage) {
            self.base = base
            (height, width, channels, stride) = (image.height, image.width, image.channels, image.stride)
        }

        /// The same images from image `first` on.
        func dropping(_ first: Int) -> PaddedImage {
            PaddedImage(base: base + first * height * width * channels, self)
        }

        /// The origin of `position`'s window (the padding is already in the image's coordinates).
        @inline(__always)
        func origin(_ position: OutputPosition) -> UnsafePointer<Float> {
            base + ((position.image * height + position.row * stride) * width + position.column * stride) * channels
        }

        /// Tap t's offset from a window's origin, t = ky·kernel + kx, for every tap of a kernel.
        func tapOffsets(kernel: Int, into offsets: UnsafeMutablePointer<Int>) {
            for ky in 0..<kernel {
                for kx in 0..<kernel { offsets[ky * kernel + kx] = (ky * width + kx) * channels }
            }
        }

        /// The window origins of the six output positions from `position` on (a GEMM row panel), leaving
        /// `position` at the next panel's; rows past the last of the `count` positions repeat the first
        /// (read, never stored).
        @inline(__always)
        func panel(from position: inout OutputPosition, count: Int, outWidth: Int) -> WindowMicroKernel.Rows {
            let mr = MicroKernel.mr
            let first = origin(position)
            if count >= mr && position.column + mr <= outWidth {
                // Six windows side by side in one output row (most panels).
                let step = stride * channels
                position.advance(by: mr)
                return .init(
                    r0: first, r1: first + step, r2: first + 2 * step, r3: first + 3 * step, r4: first + 4 * step,
                    r5: first + 5 * step)
            }
            var rows = InlineArray<6, UnsafePointer<Float>>(repeating: first)
            for r in 0..<min(mr, count) {
                rows[r] = origin(position)
                position.advance()
            }
            return .init(r0: rows[0], r1: rows[1], r2: rows[2], r3: rows[3], r4: rows[4], r5: rows[5])
        }
    }
}
