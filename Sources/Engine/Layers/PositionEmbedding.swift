/// A learned position embedding: y[n, t, c] = x[n, t, c] + E[t, c], forward and backward.
enum PositionEmbedding {
    /// `size` = tokens × channels per sample.
    static func forward(
        x: UnsafePointer<Float>, embedding: UnsafePointer<Float>, batch: Int, size: Int, y: UnsafeMutablePointer<Float>,
        parallelism: Parallelism
    ) {
        let (xs, es, ys) = (SharedReadPointer(base: x), SharedReadPointer(base: embedding), SharedPointer(base: y))
        parallelism.forEach(batch) { n in
            for e in 0..<size { ys.base[n * size + e] = xs.base[n * size + e] + es.base[e] }
        }
    }

    /// dE = Σ_n dy[n] (summed in sample order); dx = dy when `dx` is given.
    static func backward(
        dy: UnsafePointer<Float>, batch: Int, size: Int, dEmbedding: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?
    ) {
        dEmbedding.initialize(repeating: 0, count: size)
        for n in 0..<batch {
            let row = dy + n * size
            for e in 0..<size { dEmbedding[e] += row[e] }
        }
        dx?.update(from: dy, count: batch * size)
    }
}
