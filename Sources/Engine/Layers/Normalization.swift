/// Normalisation layers on NHWC activations, each followed by a per-channel affine (γ, β), forward and
/// backward.
///
/// - `group`: GroupNorm with one group: each sample normalised over all its positions and channels.
/// - `layer`: LayerNorm over the channels at each position.
/// - `batch`: BatchNorm: each channel normalised over the batch and positions (running statistics kept
///   for evaluation, as PyTorch: momentum 0.1, unbiased running variance).
///
/// Work is split one sample per piece; sums across samples (BatchNorm statistics, dγ, dβ) are taken as
/// per-sample partials in Double, then added in sample order, so results do not depend on the thread count.
package enum Normalization {
    package enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case group, layer, batch
    }

    package static let epsilon = 1e-5

    /// `rows` positions (batch × height × width) of `channels` each, `positionsPerSample` to a sample.
    package struct Shape: Sendable, Hashable {
        package var rows: Int
        package var channels: Int
        package var positionsPerSample: Int

        package init(rows: Int, channels: Int, positionsPerSample: Int) {
            self.rows = rows
            self.channels = channels
            self.positionsPerSample = positionsPerSample
        }

        var samples: Int { rows / max(positionsPerSample, 1) }
        var sampleSize: Int { positionsPerSample * channels }

        /// How many statistics forward writes: one per sample, position or channel.
        package func statistics(_ kind: Kind) -> Int {
            switch kind {
            case .group: samples
            case .layer: rows
            case .batch: channels
            }
        }
    }

    /// y = γ·x̂ + β.
    ///
    /// Writes the statistics backward needs (mean and 1/σ, `shape.statistics(kind)` of each). For `batch`
    /// in training, `running` is updated; in evaluation it is used instead.
    package static func forward(
        _ kind: Kind, x: UnsafePointer<Float>, shape: Shape, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, inverseDeviation: UnsafeMutablePointer<Float>,
        running: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)? = nil, training: Bool = true,
        momentum: Double = 0.1, parallelism: Parallelism = .serial
    ) {
        let c = shape.channels, size = shape.sampleSize
        let (xs, ys) = (SharedReadPointer(base: x), SharedPointer(base: y))
        let (ms, vs) = (SharedPointer(base: mean), SharedPointer(base: inverseDeviation))
        let (gs, bs) = (SharedReadPointer(base: gamma), SharedReadPointer(base: beta))
        switch kind {
        case .batch:
            if training {
                channelStatistics(
                    x, shape, mean: mean, inverseDeviation: inverseDeviation, running: running, momentum: momentum,
                    parallelism: parallelism)
            } else if let running {
                for ch in 0..<c {
                    mean[ch] = running.mean[ch]
                    inverseDeviation[ch] = Float(1 / (Double(running.variance[ch]) + epsilon).squareRoot())
                }
            }
            parallelism.forEach(shape.samples) { n in
                for e in n * size..<(n + 1) * size {
                    let ch = e % c
                    ys.base[e] = gs.base[ch] * ((xs.base[e] - ms.base[ch]) * vs.base[ch]) + bs.base[ch]
                }
            }
        case .group, .layer:
            let length = kind == .group ? size : c
            parallelism.forEach(shape.samples) { n in
                for s in (n * size / length)..<((n + 1) * size / length) {
                    let base = s * length
                    var sum = 0.0
                    for i in 0..<length { sum += Double(xs.base[base + i]) }
                    let m = sum / Double(length)
                    var squares = 0.0
                    for i in 0..<length {
                        let d = Double(xs.base[base + i]) - m
                        squares += d * d
                    }
                    let (mf, inv) = (Float(m), Float(1 / (squares / Double(length) + epsilon).squareRoot()))
                    ms.base[s] = mf
                    vs.base[s] = inv
                    for i in 0..<length {
                        let ch = i % c
                        ys.base[base + i] = gs.base[ch] * ((xs.base[base + i] - mf) * inv) + bs.base[ch]
                    }
                }
            }
        }
    }

    /// dx, dγ and dβ (all overwritten) from dy, with the statistics forward wrote.
    ///
    /// dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) over each normalised set, where dx̂ = γ·dy.
    package static func backward(
        _ kind: Kind, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, shape: Shape, gamma: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>, parallelism: Parallelism = .serial
    ) {
        let c = shape.channels, size = shape.sampleSize, samples = shape.samples
        let (dys, xs, gs) = (SharedReadPointer(base: dy), SharedReadPointer(base: x), SharedReadPointer(base: gamma))
        let (ms, vs) = (SharedReadPointer(base: mean), SharedReadPointer(base: inverseDeviation))
        let dxs = SharedPointer(base: dx)
        // Per-sample partials: Σ dy·x̂ and Σ dy per channel (for dγ, dβ) and, for BatchNorm, Σ dx̂ and Σ dx̂·x̂.
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: samples * c * 4)
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: samples * c * 4)
        let ps = SharedPointer(base: partials)
        let length = kind == .group ? size : c
        parallelism.forEach(samples) { n in
            let p = ps.base + n * c * 4
            // One normalised set per (sample or position); for BatchNorm, every position of the sample.
            for row in stride(from: n * size, to: (n + 1) * size, by: c) {
                let s = kind == .group ? n : row / c
                for ch in 0..<c {
                    let stat = kind == .batch ? ch : s
                    let xhat = Double((xs.base[row + ch] - ms.base[stat]) * vs.base[stat])
                    let d = Double(dys.base[row + ch])
                    let dg = d * Double(gs.base[ch])
                    p[ch] += d * xhat
                    p[c + ch] += d
                    p[2 * c + ch] += dg
                    p[3 * c + ch] += dg * xhat
                }
            }
        }
        var totals = [Double](repeating: 0, count: 4 * c)
        for n in 0..<samples { for i in 0..<4 * c { totals[i] += partials[n * 4 * c + i] } }
        for ch in 0..<c {
            dGamma[ch] = Float(totals[ch])
            dBeta[ch] = Float(totals[c + ch])
        }
        let batchSums = totals
        let count = Double(shape.rows)
        parallelism.forEach(samples) { n in
            if kind == .batch {
                for row in stride(from: n * size, to: (n + 1) * size, by: c) {
                    for ch in 0..<c {
                        let xhat = Double((xs.base[row + ch] - ms.base[ch]) * vs.base[ch])
                        let d = Double(dys.base[row + ch]) * Double(gs.base[ch])
                        let centred = d - batchSums[2 * c + ch] / count - xhat * batchSums[3 * c + ch] / count
                        dxs.base[row + ch] = Float(Double(vs.base[ch]) * centred)
                    }
                }
                return
            }
            for s in (n * size / length)..<((n + 1) * size / length) {
                let base = s * length
                let (m, v) = (ms.base[s], vs.base[s])
                var sumD = 0.0, sumDX = 0.0
                for row in stride(from: base, to: base + length, by: c) {
                    for ch in 0..<c {
                        let xhat = Double((xs.base[row + ch] - m) * v)
                        let d = Double(dys.base[row + ch]) * Double(gs.base[ch])
                        sumD += d
                        sumDX += d * xhat
                    }
                }
                let (meanD, meanDX, k) = (sumD / Double(length), sumDX / Double(length), Double(v))
                for row in stride(from: base, to: base + length, by: c) {
                    for ch in 0..<c {
                        let xhat = Double((xs.base[row + ch] - m) * v)
                        let d = Double(dys.base[row + ch]) * Double(gs.base[ch])
                        dxs.base[row + ch] = Float(k * (d - meanD - xhat * meanDX))
                    }
                }
            }
        }
    }

    /// Per-channel batch mean and 1/σ (biased variance, as used to normalise), from per-sample partial
    /// sums added in sample order; moves the running statistics `momentum` of the way to the batch's
    /// (unbiased variance).
    private static func channelStatistics(
        _ x: UnsafePointer<Float>, _ shape: Shape, mean: UnsafeMutablePointer<Float>,
        inverseDeviation: UnsafeMutablePointer<Float>,
        running: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)?, momentum: Double,
        parallelism: Parallelism
    ) {
        let c = shape.channels, size = shape.sampleSize, samples = shape.samples, count = Double(shape.rows)
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: samples * c)
        defer { partials.deallocate() }
        let (ps, xs) = (SharedPointer(base: partials), SharedReadPointer(base: x))
        func perSample(_ term: @escaping @Sendable (Int, Float) -> Double) -> [Double] {
            parallelism.forEach(samples) { n in
                let p = ps.base + n * c
                p.update(repeating: 0, count: c)
                for e in n * size..<(n + 1) * size { p[e % c] += term(e % c, xs.base[e]) }
            }
            var totals = [Double](repeating: 0, count: c)
            for n in 0..<samples { for ch in 0..<c { totals[ch] += partials[n * c + ch] } }
            return totals
        }
        let means = perSample { _, v in Double(v) }.map { $0 / count }
        let squares = perSample { ch, v in
            let d = Double(v) - means[ch]
            return d * d
        }
        for ch in 0..<c {
            let variance = squares[ch] / count
            mean[ch] = Float(means[ch])
            inverseDeviation[ch] = Float(1 / (variance + epsilon).squareRoot())
            if let running {
                let unbiased = count > 1 ? squares[ch] / (count - 1) : variance
                running.mean[ch] = Float((1 - momentum) * Double(running.mean[ch]) + momentum * means[ch])
                running.variance[ch] = Float((1 - momentum) * Double(running.variance[ch]) + momentum * unbiased)
            }
        }
    }
}
