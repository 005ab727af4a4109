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
        /// 1/√(head width), the scores' scale.
        var scale: Float { 1 / Float(headWidth).squareRoot() }

        /// Where piece (sample, head) starts: in a token buffer, and in the probabilities.
        func offsets(_ piece: Int) -> (head: Int, probabilities: Int) {
            ((piece / heads) * tokens * width + (piece % heads) * headWidth, piece * tokens * tokens)
        }
    }

    /// Writes `out` and keeps P (`batch × heads × tokens × tokens`) in `probabilities` for backward.
    static func forward(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, shape: Shape,
        out: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>, parallelism: Parallelism
    ) {
        let (qs, ks, vs) = (SharedReadPointer(base: q), SharedReadPointer(base: k), SharedReadPointer(base: v))
        let (os, ps) = (SharedPointer(base: out), SharedPointer(base: probabilities))
        let (t, c, d, scale) = (shape.tokens, shape.width, shape.headWidth, shape.scale)
        parallelism.forEach(shape.batch * shape.heads) { piece in
            let (head, at) = shape.offsets(piece)
            let p = ps.base + at
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d * t) { keys in
                guard let kt = keys.baseAddress else { return }
                transpose(ks.base + head, rows: t, columns: d, stride: c, into: kt)
                // S = q kᵀ: row i is Σ_e q[i, e] · kᵀ[e, ·].
                combine(
                    rows: t, terms: d, width: t, weights: qs.base + head, rowStride: c, termStride: 1, x: kt, xStride: t,
                    into: p, outStride: t)
            }
            for i in 0..<t {
                let row = p + i * t
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
            }
            combine(
                rows: t, terms: t, width: d, weights: p, rowStride: t, termStride: 1, x: vs.base + head, xStride: c,
                into: os.base + head, outStride: c)
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
        let (t, c, d, scale) = (shape.tokens, shape.width, shape.headWidth, shape.scale)
        parallelism.forEach(shape.batch * shape.heads) { piece in
            let (head, at) = shape.offsets(piece)
            let p = ps.base + at
            if let dvs {
                combine(
                    rows: t, terms: t, width: d, weights: p, rowStride: 1, termStride: t, x: gs.base + head, xStride: c,
                    into: dvs.base + head, outStride: c)
            }
            // dS row by row, in place of P.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: d * t + t * t) { scratch in
                guard let vt = scratch.baseAddress else { return }
                let dp = vt + d * t
                transpose(vs.base + head, rows: t, columns: d, stride: c, into: vt)
                combine(
                    rows: t, terms: d, width: t, weights: gs.base + head, rowStride: c, termStride: 1, x: vt, xStride: t,
                    into: dp, outStride: t)
                for i in 0..<t {
                    let (row, dpi) = (p + i * t, dp + i * t)
                    var weighted: Float = 0
                    for j in 0..<t { weighted += dpi[j] * row[j] }
                    for j in 0..<t { row[j] *= (dpi[j] - weighted) * scale }
                }
            }
            if let dqs {
                combine(
                    rows: t, terms: t, width: d, weights: p, rowStride: t, termStride: 1, x: ks.base + head, xStride: c,
                    into: dqs.base + head, outStride: c)
            }
            if let dks {
                combine(
                    rows: t, terms: t, width: d, weights: p, rowStride: 1, termStride: t, x: qs.base + head, xStride: c,
                    into: dks.base + head, outStride: c)
            }
        }
    }

    /// out[r, f] = Σ_m w[r, m] · x[m, f] for r < rows, f < width, with w[r, m] at
    /// `weights[r · rowStride + m · termStride]`: each sum starts at 0 and adds its terms in order of m,
    /// so it is the scalar loop's result exactly; four rows at a time, eight features at a time, so four
    /// independent sums are in flight.
    @inline(__always)
    private static func combine(
        rows: Int, terms: Int, width: Int, weights w: UnsafePointer<Float>, rowStride: Int, termStride: Int,
        x: UnsafePointer<Float>, xStride: Int, into out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        typealias V = ChannelLanes.V
        var r = 0
        while r < rows {
            let block = min(4, rows - r)
            let (w0, o0) = (w + r * rowStride, out + r * outStride)
            ChannelLanes.forEach(width) { f, lanes in
                var (a0, a1, a2, a3) = (V(), V(), V(), V())
                for m in 0..<terms {
                    let xv = ChannelLanes.load(x + m * xStride + f, lanes)
                    let wm = w0 + m * termStride
                    a0 += V(repeating: wm[0]) * xv
                    if block > 1 { a1 += V(repeating: wm[rowStride]) * xv }
                    if block > 2 { a2 += V(repeating: wm[2 * rowStride]) * xv }
                    if block > 3 { a3 += V(repeating: wm[3 * rowStride]) * xv }
                }
                ChannelLanes.store(a0, o0 + f, lanes)
                if block > 1 { ChannelLanes.store(a1, o0 + outStride + f, lanes) }
                if block > 2 { ChannelLanes.store(a2, o0 + 2 * outStride + f, lanes) }
                if block > 3 { ChannelLanes.store(a3, o0 + 3 * outStride + f, lanes) }
            }
            r += 4
        }
    }

    /// `rows` rows of `columns` values, `stride` apart, written column-major: out[e · rows + j] = x[j · stride + e].
    @inline(__always)
    private static func transpose(
        _ x: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, into out: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<rows { for e in 0..<columns { out[e * rows + j] = x[j * stride + e] } }
    }
}
