import Foundation

/// Multi-head scaled dot-product attention over the positions (tokens) of NHWC buffers, forward and
/// backward, as `torch.nn.functional.scaled_dot_product_attention` per head.
///
/// q, k, v and the output are `batch × tokens × width`; head h owns the `width / heads` consecutive
/// channels starting at h · width / heads. Per sample and head: S = q kᵀ / √(width / heads),
/// P = softmax over each row of S, out = P v. One piece per (sample, head) writes only its own outputs,
/// and every sum runs in index order, so results do not depend on the thread count.
enum Attention {
    struct Shape {
        var batch: Int
        var tokens: Int
        var width: Int
        var heads: Int
        var headWidth: Int { width / heads }
        /// Floats of one piece's attention probabilities.
        var probabilitiesPerHead: Int { tokens * tokens }
    }

    /// Writes `out` and keeps P (`batch × heads × tokens × tokens`) in `probabilities` for backward.
    static func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, shape: Shape,
        out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, parallelism: Parallelism
    ) {
        let (qs, ks, vs) = (SharedReadPointer(base: q), SharedReadPointer(base: k), SharedReadPointer(base: v))
        let (os, ps) = (SharedPointer(base: out), SharedPointer(base: probabilities))
        let (t, c, d) = (shape.tokens, shape.width, shape.headWidth)
        let scale = 1 / Float(d).squareRoot()
        parallelism.forEach(shape.batch * shape.heads) { piece in
            let (n, h) = (piece / shape.heads, piece % shape.heads)
            let head = n * t * c + h * d
            let p = ps.base + piece * t * t
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d * t) { keys in
                guard let kt = keys.baseAddress else { return }
                transpose(ks.base + head, rows: t, columns: d, stride: c, into: kt)
                for i in 0..<t {
                    let row = p + i * t
                    dots(qs.base + head + i * c, kt, count: d, columns: t, into: row)
                    var largest = -Float.infinity
                    for j in 0..<t {
                        row[j] *= scale
                        largest = max(largest, row[j])
                    }
                    var total: Float = 0
                    for j in 0..<t {
                        row[j] = exp(row[j] - largest)
                        total += row[j]
                    }
                    let inverse = 1 / total
                    for j in 0..<t { row[j] *= inverse }
                    let oi = os.base + head + i * c
                    oi.update(repeating: 0, count: d)
                    for j in 0..<t { accumulate(row[j], vs.base + head + j * c, into: oi, count: d) }
                }
            }
        }
    }

    /// Gradients of q, k and v given dL/d(out) and the forward pass's probabilities.
    ///
    /// It overwrites `probabilities` with dL/dS (they are not needed after). A nil gradient is not computed.
    ///
    /// dV = Pᵀ dO; dP = dO vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = dS k / √d; dK = dSᵀ q / √d.
    static func backward(
        dOut: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
        shape: Shape, probabilities: UnsafeMutablePointer<Float>, dq: UnsafeMutablePointer<Float>?,
        dk: UnsafeMutablePointer<Float>?, dv: UnsafeMutablePointer<Float>?, parallelism: Parallelism
    ) {
        let (qs, ks, vs) = (SharedReadPointer(base: q), SharedReadPointer(base: k), SharedReadPointer(base: v))
        let (gs, ps) = (SharedReadPointer(base: dOut), SharedPointer(base: probabilities))
        let (dqs, dks, dvs) = (dq.map(SharedPointer.init), dk.map(SharedPointer.init), dv.map(SharedPointer.init))
        let (t, c, d) = (shape.tokens, shape.width, shape.headWidth)
        let scale = 1 / Float(d).squareRoot()
        parallelism.forEach(shape.batch * shape.heads) { piece in
            let (n, h) = (piece / shape.heads, piece % shape.heads)
            let head = n * t * c + h * d
            let p = ps.base + piece * t * t
            if let dvs {
                for j in 0..<t {
                    let dvj = dvs.base + head + j * c
                    dvj.update(repeating: 0, count: d)
                    for i in 0..<t { accumulate(p[i * t + j], gs.base + head + i * c, into: dvj, count: d) }
                }
            }
            // dS row by row, in place of P.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d * t + t) { scratch in
                guard let vt = scratch.baseAddress else { return }
                let dp = vt + d * t
                transpose(vs.base + head, rows: t, columns: d, stride: c, into: vt)
                for i in 0..<t {
                    let row = p + i * t
                    dots(gs.base + head + i * c, vt, count: d, columns: t, into: dp)
                    var weighted: Float = 0
                    for j in 0..<t { weighted += dp[j] * row[j] }
                    for j in 0..<t { row[j] *= (dp[j] - weighted) * scale }
                }
            }
            if let dqs {
                for i in 0..<t {
                    let dqi = dqs.base + head + i * c
                    dqi.update(repeating: 0, count: d)
                    for j in 0..<t { accumulate(p[i * t + j], ks.base + head + j * c, into: dqi, count: d) }
                }
            }
            if let dks {
                for j in 0..<t {
                    let dkj = dks.base + head + j * c
                    dkj.update(repeating: 0, count: d)
                    for i in 0..<t { accumulate(p[i * t + j], qs.base + head + i * c, into: dkj, count: d) }
                }
            }
        }
    }

    /// y[e] += w · x[e] for e < count, eight lanes at a time (each element the same operations as alone).
    @inline(__always)
    private static func accumulate(_ w: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        let weight = ChannelLanes.V(repeating: w)
        ChannelLanes.forEach(count) { e, lanes in
            ChannelLanes.store(ChannelLanes.load(y + e, lanes) + weight * ChannelLanes.load(x + e, lanes), y + e, lanes)
        }
    }

    /// `rows` rows of `columns` values, `stride` apart, written column-major: out[e · rows + j] = x[j · stride + e].
    @inline(__always)
    private static func transpose(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, into out: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<rows { for e in 0..<columns { out[e * rows + j] = x[j * stride + e] } }
    }

    /// out[j] = Σ_e a[e] · bt[e · columns + j] for j < columns, summed over e in order (as one scalar
    /// loop would), eight columns at a time.
    @inline(__always)
    private static func dots(
        _ a: UnsafePointer<Float>, _ bt: UnsafePointer<Float>, count: Int, columns: Int, into out: UnsafeMutablePointer<Float>
    ) {
        ChannelLanes.forEach(columns) { j, lanes in
            var total = ChannelLanes.V()
            for e in 0..<count { total += ChannelLanes.V(repeating: a[e]) * ChannelLanes.load(bt + e * columns + j, lanes) }
            ChannelLanes.store(total, out + j, lanes)
        }
    }
}
