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
            for i in 0..<t {
                let row = p + i * t
                let qi = qs.base + head + i * c
                var largest = -Float.infinity
                for j in 0..<t {
                    let kj = ks.base + head + j * c
                    var dot: Float = 0
                    for e in 0..<d { dot += qi[e] * kj[e] }
                    row[j] = dot * scale
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
                for e in 0..<d { oi[e] = 0 }
                for j in 0..<t {
                    let (w, vj) = (row[j], vs.base + head + j * c)
                    for e in 0..<d { oi[e] += w * vj[e] }
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
                    for e in 0..<d { dvj[e] = 0 }
                    for i in 0..<t {
                        let (w, gi) = (p[i * t + j], gs.base + head + i * c)
                        for e in 0..<d { dvj[e] += w * gi[e] }
                    }
                }
            }
            // dS row by row, in place of P.
            for i in 0..<t {
                let row = p + i * t, gi = gs.base + head + i * c
                var weighted: Float = 0
                withUnsafeTemporaryAllocation(of: Float.self, capacity: t) { dp in
                    for j in 0..<t {
                        let vj = vs.base + head + j * c
                        var dot: Float = 0
                        for e in 0..<d { dot += gi[e] * vj[e] }
                        dp[j] = dot
                        weighted += dot * row[j]
                    }
                    for j in 0..<t { row[j] *= (dp[j] - weighted) * scale }
                }
            }
            if let dqs {
                for i in 0..<t {
                    let dqi = dqs.base + head + i * c
                    for e in 0..<d { dqi[e] = 0 }
                    for j in 0..<t {
                        let (w, kj) = (p[i * t + j], ks.base + head + j * c)
                        for e in 0..<d { dqi[e] += w * kj[e] }
                    }
                }
            }
            if let dks {
                for j in 0..<t {
                    let dkj = dks.base + head + j * c
                    for e in 0..<d { dkj[e] = 0 }
                    for i in 0..<t {
                        let (w, qi) = (p[i * t + j], qs.base + head + i * c)
                        for e in 0..<d { dkj[e] += w * qi[e] }
                    }
                }
            }
        }
    }
}
