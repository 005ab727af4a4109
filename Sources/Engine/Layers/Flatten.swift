/// Flattening an NHWC buffer into PyTorch's channel-major order (`x.flatten(1)` on NCHW), forward and
/// backward: what lets a linear layer read a convolution's output with PyTorch's weight layout.
enum Flatten {
    /// y[n, c·P + p] = x[n, p, c] for `positions` P and `channels`; a plain copy when either is 1.
    static func forward(
        x: UnsafePointer<Float>, batch: Int, positions: Int, channels: Int, y: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) {
        let size = positions * channels
        let (xs, ys) = (SharedReadPointer(base: x), SharedPointer(base: y))
        parallelism.forEach(batch) { n in
            let (src, dst) = (xs.base + n * size, ys.base + n * size)
            if positions == 1 || channels == 1 { return dst.update(from: src, count: size) }
            for p in 0..<positions { for c in 0..<channels { dst[c * positions + p] = src[p * channels + c] } }
        }
    }

    /// dx[n, p, c] = dy[n, c·P + p].
    static func backward(
        dy: UnsafePointer<Float>, batch: Int, positions: Int, channels: Int, dx: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) {
        let size = positions * channels
        let (gs, out) = (SharedReadPointer(base: dy), SharedPointer(base: dx))
        parallelism.forEach(batch) { n in
            let (src, dst) = (gs.base + n * size, out.base + n * size)
            if positions == 1 || channels == 1 { return dst.update(from: src, count: size) }
            for p in 0..<positions { for c in 0..<channels { dst[p * channels + c] = src[c * positions + p] } }
        }
    }
}
