/// Normalisation layers on NHWC activations, each followed by a per-channel affine (γ, β), forward and
/// backward.
///
/// - `group`: GroupNorm with one group: each sample normalised over all its positions and channels.
/// - `layer`: LayerNorm over the channels at each position.
/// - `batch`: BatchNorm: each channel normalised over the batch and positions (running statistics kept
///   for evaluation, as PyTorch: momentum 0.1, unbiased running variance).
///
/// Work is split one sample per piece; sums within a sample run in SIMD lanes of Float (lanes combined in
/// Double, in lane order), sums across samples (BatchNorm statistics, dγ, dβ) are per-sample partials added
/// in Double in sample order, so results do not depend on the thread count. Channels are processed eight
/// at a time (`ChannelLanes`), with a zero-padded tail when the count is not a multiple of eight.
public enum Normalization {
    /// Which statistics a norm uses: per sample (GroupNorm with one group), per position (LayerNorm over
    /// channels), per channel (BatchNorm).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
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

    /// y = γ·x̂ + β, or max(γ·x̂ + β, 0) when `relu` (a ReLU fused in: one pass over the activations fewer).
    ///
    /// Writes the statistics backward needs (mean and 1/σ, `shape.statistics(kind)` of each). For `batch`
    /// in training, `running` is updated; in evaluation it is used instead.
    package static func forward(
        _ kind: Kind, x: UnsafePointer<Float>, shape: Shape, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, inverseDeviation: UnsafeMutablePointer<Float>,
        running: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)? = nil, training: Bool = true,
        momentum: Double = 0.1, relu: Bool = false, parallelism: Parallelism = .serial
    ) {
        let c = shape.channels, size = shape.sampleSize, positions = shape.positionsPerSample
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
            // y = x·scale + shift, scale = γ/σ, shift = β − μ·scale.
            var scale = [Float](repeating: 0, count: c), shift = scale
            for ch in 0..<c {
                scale[ch] = gamma[ch] * inverseDeviation[ch]
                shift[ch] = beta[ch] - mean[ch] * scale[ch]
            }
            scale.withUnsafeBufferPointer { sc in
                shift.withUnsafeBufferPointer { sh in
                    guard let sc = sc.baseAddress, let sh = sh.baseAddress else { return }
                    let (scs, shs) = (SharedReadPointer(base: sc), SharedReadPointer(base: sh))
                    parallelism.forEach(shape.samples) { n in
                        affine(
                            xs.base + n * size, ys.base + n * size, positions: positions, c, scale: scs.base,
                            shift: shs.base, relu: relu)
                    }
                }
            }
        case .group:
            // Each sample's scale and shift per channel (y = x·scale + shift), in its own slice.
            let affines = UnsafeMutablePointer<Float>.allocate(capacity: shape.samples * 2 * c)
            defer { affines.deallocate() }
            let slices = SharedPointer(base: affines)
            parallelism.forEach(shape.samples) { n in
                let (xn, yn) = (xs.base + n * size, ys.base + n * size)
                let (mf, inv) = moments(xn, count: size)
                ms.base[n] = mf
                vs.base[n] = inv
                let scale = slices.base + n * 2 * c, shift = scale + c
                for ch in 0..<c {
                    scale[ch] = gs.base[ch] * inv
                    shift[ch] = bs.base[ch] - mf * scale[ch]
                }
                affine(xn, yn, positions: positions, c, scale: scale, shift: shift, relu: relu)
            }
        case .layer:
            parallelism.forEach(shape.samples) { n in
                for s in n * positions..<(n + 1) * positions {
                    let (row, out) = (xs.base + s * c, ys.base + s * c)
                    let (mf, inv) = moments(row, count: c)
                    ms.base[s] = mf
                    vs.base[s] = inv
                    ChannelLanes.forEach(c) { ch, lanes in
                        let xhat = (ChannelLanes.load(row + ch, lanes) - mf) * inv
                        let g = ChannelLanes.load(gs.base + ch, lanes), b = ChannelLanes.load(bs.base + ch, lanes)
                        ChannelLanes.store(rectified(xhat * g + b, relu), out + ch, lanes)
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
        let c = shape.channels, size = shape.sampleSize, samples = shape.samples, positions = shape.positionsPerSample
        let (dys, xs, gs) = (SharedReadPointer(base: dy), SharedReadPointer(base: x), SharedReadPointer(base: gamma))
        let (ms, vs) = (SharedReadPointer(base: mean), SharedReadPointer(base: inverseDeviation))
        let dxs = SharedPointer(base: dx)
        // Per-sample partials per channel: Σ dy·x̂ (for dγ) and Σ dy (for dβ). Σ dx̂ and Σ dx̂·x̂ are γ times them.
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: samples * c * 2)
        defer { partials.deallocate() }
        let ps = SharedPointer(base: partials)
        parallelism.forEach(samples) { n in
            let p = ps.base + n * c * 2
            ChannelLanes.forEach(c) { ch, lanes in
                var dyXhat = ChannelLanes.V(), dySum = ChannelLanes.V()
                for position in 0..<positions {
                    let s = n * positions + position, e = s * c + ch
                    let (m, v) = statistics(kind, sample: n, position: s, channel: ch, lanes, ms.base, vs.base)
                    let d = ChannelLanes.load(dys.base + e, lanes)
                    dyXhat = dyXhat.addingProduct(d, (ChannelLanes.load(xs.base + e, lanes) - m) * v)
                    dySum += d
                }
                for lane in 0..<lanes {
                    p[ch + lane] = Double(dyXhat[lane])
                    p[c + ch + lane] = Double(dySum[lane])
                }
            }
        }
        var totals = [Double](repeating: 0, count: 2 * c)
        for n in 0..<samples { for i in 0..<2 * c { totals[i] += partials[n * 2 * c + i] } }
        for ch in 0..<c {
            dGamma[ch] = Float(totals[ch])
            dBeta[ch] = Float(totals[c + ch])
        }
        switch kind {
        case .batch:
            // dx = a·dy − b − x̂·k with a = γ/σ, b = Σdx̂/(Nσ), k = Σdx̂·x̂/(Nσ).
            let count = Double(shape.rows)
            var coefficients = [Float](repeating: 0, count: 3 * c)
            for ch in 0..<c {
                let (g, v) = (Double(gamma[ch]), Double(inverseDeviation[ch]))
                coefficients[ch] = Float(g * v)
                coefficients[c + ch] = Float(v * g * totals[c + ch] / count)
                coefficients[2 * c + ch] = Float(v * g * totals[ch] / count)
            }
            coefficients.withUnsafeBufferPointer { buffer in
                guard let k = buffer.baseAddress else { return }
                let ks = SharedReadPointer(base: k)
                parallelism.forEach(samples) { n in
                    for e in stride(from: n * size, to: (n + 1) * size, by: c) {
                        ChannelLanes.forEach(c) { ch, lanes in
                            let xhat =
                                (ChannelLanes.load(xs.base + e + ch, lanes) - ChannelLanes.load(ms.base + ch, lanes))
                                * ChannelLanes.load(vs.base + ch, lanes)
                            let d = ChannelLanes.load(dys.base + e + ch, lanes)
                            let out =
                                d * ChannelLanes.load(ks.base + ch, lanes) - ChannelLanes.load(ks.base + c + ch, lanes)
                                - xhat * ChannelLanes.load(ks.base + 2 * c + ch, lanes)
                            ChannelLanes.store(out, dxs.base + e + ch, lanes)
                        }
                    }
                }
            }
        case .group:
            parallelism.forEach(samples) { n in
                // Σ dx̂ and Σ dx̂·x̂ over the sample, from its partials.
                let p = ps.base + n * c * 2
                var sumD = 0.0, sumDX = 0.0
                for ch in 0..<c {
                    sumD += Double(gs.base[ch]) * p[c + ch]
                    sumDX += Double(gs.base[ch]) * p[ch]
                }
                let (m, v) = (ms.base[n], vs.base[n])
                let (meanD, meanDX) = (Float(sumD / Double(size)), Float(sumDX / Double(size)))
                dxRows(n * positions..<(n + 1) * positions, c, xs.base, dys.base, gs.base, dxs.base) { _ in (m, v, meanD, meanDX)
                }
            }
        case .layer:
            parallelism.forEach(samples) { n in
                dxRows(n * positions..<(n + 1) * positions, c, xs.base, dys.base, gs.base, dxs.base) { s in
                    let (m, v) = (ms.base[s], vs.base[s])
                    var sumD = ChannelLanes.V(), sumDX = ChannelLanes.V()
                    ChannelLanes.forEach(c) { ch, lanes in
                        let d = ChannelLanes.load(dys.base + s * c + ch, lanes) * ChannelLanes.load(gs.base + ch, lanes)
                        sumD += d
                        sumDX = sumDX.addingProduct(d, (ChannelLanes.load(xs.base + s * c + ch, lanes) - m) * v)
                    }
                    return (m, v, Float(Lanes.total(sumD) / Double(c)), Float(Lanes.total(sumDX) / Double(c)))
                }
            }
        }
    }

    /// Mean and 1/σ (biased variance) of `count` contiguous values, two passes in SIMD lanes.
    @inline(__always)
    private static func moments(_ p: UnsafePointer<Float>, count: Int) -> (mean: Float, inverse: Float) {
        let m = Lanes.sum(p, count: count) / Double(count)
        let squares = Lanes.squaredDeviations(p, count: count, from: Float(m))
        return (Float(m), Float(1 / (squares / Double(count) + epsilon).squareRoot()))
    }

    /// The mean and 1/σ that normalise channels `ch ..< ch + lanes` at row `position` of sample `sample`.
    @inline(__always)
    private static func statistics(
        _ kind: Kind, sample: Int, position: Int, channel ch: Int, _ lanes: Int, _ mean: UnsafePointer<Float>,
        _ inverse: UnsafePointer<Float>
    ) -> (ChannelLanes.V, ChannelLanes.V) {
        switch kind {
        case .group: (ChannelLanes.V(repeating: mean[sample]), ChannelLanes.V(repeating: inverse[sample]))
        case .layer: (ChannelLanes.V(repeating: mean[position]), ChannelLanes.V(repeating: inverse[position]))
        case .batch: (ChannelLanes.load(mean + ch, lanes), ChannelLanes.load(inverse + ch, lanes))
        }
    }

    /// dx = (1/σ)·(γ·dy − mean(dx̂) − x̂·mean(dx̂·x̂)) for rows normalised by a scalar mean and 1/σ each;
    /// `row(s)` gives (mean, 1/σ, mean(dx̂), mean(dx̂·x̂)) for row s.
    @inline(__always)
    private static func dxRows(
        _ rows: Range<Int>, _ c: Int, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, _ row: (Int) -> (Float, Float, Float, Float)
    ) {
        for s in rows {
            let (m, v, meanD, meanDX) = row(s)
            ChannelLanes.forEach(c) { ch, lanes in
                let e = s * c + ch
                let xhat = (ChannelLanes.load(x + e, lanes) - m) * v
                let d = ChannelLanes.load(dy + e, lanes) * ChannelLanes.load(gamma + ch, lanes)
                ChannelLanes.store(v * (d - meanD - xhat * meanDX), dx + e, lanes)
            }
        }
    }

    /// y = x·scale + shift per channel over `positions` rows of `c` channels (then the ReLU when `relu`).
    @inline(__always)
    private static func affine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, positions: Int, _ c: Int, scale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, relu: Bool
    ) {
        for e in stride(from: 0, to: positions * c, by: c) {
            ChannelLanes.forEach(c) { ch, lanes in
                let out =
                    ChannelLanes.load(x + e + ch, lanes) * ChannelLanes.load(scale + ch, lanes)
                    + ChannelLanes.load(shift + ch, lanes)
                ChannelLanes.store(rectified(out, relu), y + e + ch, lanes)
            }
        }
    }

    /// `max(v, 0)` lane by lane when `relu` (as `Swift.max(v, 0)`: 0 for −0, NaN kept), else v.
    @inline(__always)
    private static func rectified(_ v: ChannelLanes.V, _ relu: Bool) -> ChannelLanes.V {
        relu ? v.replacing(with: 0, where: v .<= 0) : v
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
        // Σ (x − centre)² over a sample's positions per channel, then over samples in order.
        func squaredDeviations(from centre: [Float]) -> [Double] {
            centre.withUnsafeBufferPointer { buffer in
                guard let centre = buffer.baseAddress else { return }
                let cs = SharedReadPointer(base: centre)
                parallelism.forEach(samples) { n in
                    ChannelLanes.forEach(c) { ch, lanes in
                        var sum = ChannelLanes.V()
                        let mu = ChannelLanes.load(cs.base + ch, lanes)
                        for e in stride(from: n * size + ch, to: (n + 1) * size, by: c) {
                            let d = ChannelLanes.load(xs.base + e, lanes) - mu
                            sum = sum.addingProduct(d, d)
                        }
                        for lane in 0..<lanes { ps.base[n * c + ch + lane] = Double(sum[lane]) }
                    }
                }
            }
            var totals = [Double](repeating: 0, count: c)
            for n in 0..<samples { for ch in 0..<c { totals[ch] += partials[n * c + ch] } }
            return totals
        }
        // Σ x per channel, then Σ (x − μ)² per channel.
        parallelism.forEach(samples) { n in
            ChannelLanes.forEach(c) { ch, lanes in
                var sum = ChannelLanes.V()
                for e in stride(from: n * size + ch, to: (n + 1) * size, by: c) { sum += ChannelLanes.load(xs.base + e, lanes) }
                for lane in 0..<lanes { ps.base[n * c + ch + lane] = Double(sum[lane]) }
            }
        }
        var sums = [Double](repeating: 0, count: c)
        for n in 0..<samples { for ch in 0..<c { sums[ch] += partials[n * c + ch] } }
        let means = sums.map { $0 / count }
        let squares = squaredDeviations(from: means.map { Float($0) })
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
