/// Normalisation layers on NHWC activations, each followed by a per-channel affine (γ, β), forward and
/// backward.
///
/// - `group(G)`: GroupNorm with G groups: each sample normalised over all its positions and the C/G
///   channels of each group (group g: channels g·C/G ..< (g + 1)·C/G at every position).
/// - `layer`: LayerNorm over the channels at each position.
/// - `batch`: BatchNorm: each channel normalised over the batch and positions (running statistics kept
///   for evaluation, as PyTorch: momentum 0.1, unbiased running variance).
///
/// Work is split one sample per piece; sums within a sample run in SIMD lanes of Float (lanes combined in
/// Double, in lane order), sums across samples (BatchNorm statistics, dγ, dβ) are per-sample partials added
/// in Double in sample order, so results do not depend on the thread count. Channels are processed eight
/// at a time (`ChannelLanes`), with a zero-padded tail when the count is not a multiple of eight.
///
/// GroupNorm's sums: one group is the whole sample, one contiguous block, summed as such (`Lanes`). With
/// more groups a group's values are strided (a run of C/G channels at each position), so sums run per
/// channel over the positions in lanes of eight channels, and a group's sum adds its channels' sums in
/// Double in channel order; backward's per-group sums come from its per-channel partials the same way.
public enum Normalization {
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

        /// Traps unless a `group` kind's count divides the channels.
        func checkGroups(_ kind: Kind) {
            if case .group(let groups) = kind {
                precondition(groups >= 1 && channels % groups == 0, "GroupNorm: \(groups) groups for \(channels) channels")
            }
        }

        /// How many statistics forward writes: one per sample and group, per position or per channel.
        package func statistics(_ kind: Kind) -> Int {
            switch kind {
            case .group(let groups): samples * groups
            case .layer: rows
            case .batch: channels
            }
        }
    }

    /// y = γ·x̂ + β, or max(γ·x̂ + β, 0) when `relu` (a ReLU fused in: one pass over the activations fewer).
    ///
    /// Writes the statistics backward needs (mean and 1/σ, `shape.statistics(kind)` of each). For `batch`
    /// in training, `running` is updated; in evaluation it is used instead.
    ///
    /// - Precondition: a `group` kind's count divides the channels (`LayerProgram` checks it).
    package static func forward(
        _ kind: Kind, x: UnsafePointer<Float>, shape: Shape, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, inverseDeviation: UnsafeMutablePointer<Float>,
        running: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)? = nil, training: Bool = true,
        momentum: Double = 0.1, relu: Bool = false, parallelism: Parallelism = .serial
    ) {
        let c = shape.channels, size = shape.sampleSize, positions = shape.positionsPerSample
        shape.checkGroups(kind)
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
        case .group(let groups):
            let perGroup = c / groups
            // Each sample's scale and shift per channel (y = x·scale + shift), in its own slice.
            let affines = UnsafeMutablePointer<Float>.allocate(capacity: shape.samples * 2 * c)
            defer { affines.deallocate() }
            let slices = SharedPointer(base: affines)
            parallelism.forEach(shape.samples) { n in
                let (xn, yn) = (xs.base + n * size, ys.base + n * size)
                let (mn, vn) = (ms.base + n * groups, vs.base + n * groups)
                if groups == 1 {
                    // The sample is one contiguous block: summed as such, faster and with the bits one group
                    // had before group counts existed.
                    (mn[0], vn[0]) = moments(xn, count: size)
                } else {
                    groupMoments(xn, positions: positions, c, groups: groups, mean: mn, inverse: vn)
                }
                let scale = slices.base + n * 2 * c, shift = scale + c
                for ch in 0..<c {
                    let g = ch / perGroup
                    scale[ch] = gs.base[ch] * vn[g]
                    shift[ch] = bs.base[ch] - mn[g] * scale[ch]
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
    ///
    /// - Parameter reluOutput: for a norm fused with the ReLU after it (`forward`'s `relu`), that ReLU's
    ///   output: `dy` is then the ReLU's output gradient, taken as 0 where the output is not positive
    ///   (the ReLU's backward, done here instead of in a pass of its own).
    /// - Precondition: a `group` kind's count divides the channels (`LayerProgram` checks it).
    package static func backward(
        _ kind: Kind, dy: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>? = nil, x: UnsafePointer<Float>,
        shape: Shape, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
        parallelism: Parallelism = .serial
    ) {
        let c = shape.channels, size = shape.sampleSize, samples = shape.samples
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: samples * c * 2)
        defer { partials.deallocate() }
        sampleBackward(
            kind, dy: dy, reluOutput: reluOutput, x: x, shape: shape, gamma: gamma, mean: mean,
            inverseDeviation: inverseDeviation, dx: dx, partials: partials, parallelism: parallelism)
        let totals = parameterGradients(summing: partials, samples: samples, channels: c, dGamma: dGamma, dBeta: dBeta)
        guard case .batch = kind else { return }
        let dys = UpstreamGradient(dy: dy, reluOutput: reluOutput)
        let (xs, ms, vs) = (SharedReadPointer(base: x), SharedReadPointer(base: mean), SharedReadPointer(base: inverseDeviation))
        let dxs = SharedPointer(base: dx)
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
                        let d = dys.load(e + ch, lanes)
                        let out =
                            d * ChannelLanes.load(ks.base + ch, lanes) - ChannelLanes.load(ks.base + c + ch, lanes)
                            - xhat * ChannelLanes.load(ks.base + 2 * c + ch, lanes)
                        ChannelLanes.store(out, dxs.base + e + ch, lanes)
                    }
                }
            }
        }
    }

    /// `backward`'s work of each sample on its own: its partials Σ dy·x̂ and Σ dy per channel, `2 ×
    /// channels` Doubles per sample at `partials`, and, for a group or layer norm (whose statistics are the
    /// sample's own), its dx.
    static func sampleBackward(
        _ kind: Kind, dy: UnsafePointer<Float>, reluOutput: UnsafePointer<Float>?, x: UnsafePointer<Float>,
        shape: Shape, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, partials: UnsafeMutablePointer<Double>, parallelism: Parallelism
    ) {
        let c = shape.channels, size = shape.sampleSize, samples = shape.samples, positions = shape.positionsPerSample
        shape.checkGroups(kind)
        let dys = UpstreamGradient(dy: dy, reluOutput: reluOutput)
        let (xs, gs) = (SharedReadPointer(base: x), SharedReadPointer(base: gamma))
        let (ms, vs) = (SharedReadPointer(base: mean), SharedReadPointer(base: inverseDeviation))
        let dxs = SharedPointer(base: dx)
        // Σ dx̂ and Σ dx̂·x̂ are γ times the partials.
        let ps = SharedPointer(base: partials)
        parallelism.forEach(samples) { n in
            let p = ps.base + n * c * 2
            func store(_ ch: Int, _ lanes: Int, _ sums: (ChannelLanes.V, ChannelLanes.V)) {
                for lane in 0..<lanes {
                    p[ch + lane] = Double(sums.0[lane])
                    p[c + ch + lane] = Double(sums.1[lane])
                }
            }
            var ch = 0
            while ch < c {
                let lanes = min(ChannelLanes.V.scalarCount, c - ch)
                // GroupNorm's and BatchNorm's statistics are the same at every position of the sample: full
                // eight-channel lane blocks, two at a time when there are two, take the fast loops.
                if kind != .layer && lanes == ChannelLanes.V.scalarCount {
                    let paired = ch + 2 * lanes <= c
                    func lanesStatistics(_ ch: Int) -> (ChannelLanes.V, ChannelLanes.V) {
                        statistics(kind, shape, sample: n, position: n * positions, channel: ch, lanes, ms.base, vs.base)
                    }
                    let sums = dys.sums(
                        xs.base, from: n * size + ch, rows: positions, stride: c, lanesStatistics(ch),
                        pair: paired ? lanesStatistics(ch + lanes) : nil)
                    store(ch, lanes, sums.low)
                    if paired { store(ch + lanes, lanes, sums.high) }
                    ch += paired ? 2 * lanes : lanes
                    continue
                }
                var dyXhat = ChannelLanes.V(), dySum = ChannelLanes.V()
                for position in 0..<positions {
                    let s = n * positions + position, e = s * c + ch
                    let (m, v) = statistics(kind, shape, sample: n, position: s, channel: ch, lanes, ms.base, vs.base)
                    let d = dys.load(e, lanes)
                    dyXhat = dyXhat.addingProduct(d, (ChannelLanes.load(xs.base + e, lanes) - m) * v)
                    dySum += d
                }
                store(ch, lanes, (dyXhat, dySum))
                ch += lanes
            }
            // A group's or a position's statistics are the sample's own: its dx follows at once, while the
            // sample is in cache.
            switch kind {
            case .group(let groups):
                groupDx(
                    sample: n, groups: groups, shape, partials: p, xs.base, dys, gs.base, ms.base, vs.base, dxs.base)
            case .layer:
                dxRows(n * positions..<(n + 1) * positions, c, xs.base, dys, gs.base, dxs.base) { s in
                    let (m, v) = (ms.base[s], vs.base[s])
                    var sumD = ChannelLanes.V(), sumDX = ChannelLanes.V()
                    ChannelLanes.forEach(c) { ch, lanes in
                        let d = dys.load(s * c + ch, lanes) * ChannelLanes.load(gs.base + ch, lanes)
                        sumD += d
                        sumDX = sumDX.addingProduct(d, (ChannelLanes.load(xs.base + s * c + ch, lanes) - m) * v)
                    }
                    return (m, v, Float(Lanes.total(sumD) / Double(c)), Float(Lanes.total(sumDX) / Double(c)))
                }
            case .batch:
                break  // needs every sample's partials: `backward` writes it
            }
        }
    }

    /// dγ and dβ (overwritten) from `samples` samples' partials of `sampleBackward`, added in sample order;
    /// returns the totals (Σ dy·x̂ then Σ dy, per channel).
    @discardableResult
    static func parameterGradients(
        summing partials: UnsafePointer<Double>, samples: Int, channels c: Int, dGamma: UnsafeMutablePointer<Float>,
        dBeta: UnsafeMutablePointer<Float>
    ) -> [Double] {
        var totals = [Double](repeating: 0, count: 2 * c)
        for n in 0..<samples { for i in 0..<2 * c { totals[i] += partials[n * 2 * c + i] } }
        for ch in 0..<c {
            dGamma[ch] = Float(totals[ch])
            dBeta[ch] = Float(totals[c + ch])
        }
        return totals
    }

    /// GroupNorm's dx for one sample, from its per-channel partials (Σ dy·x̂, then Σ dy): each group's
    /// mean(dx̂) and mean(dx̂·x̂) summed from its channels' partials in Double in channel order.
    private static func groupDx(
        sample n: Int, groups: Int, _ shape: Shape, partials p: UnsafePointer<Double>, _ x: UnsafePointer<Float>,
        _ dy: UpstreamGradient, _ gamma: UnsafePointer<Float>, _ mean: UnsafePointer<Float>,
        _ inverse: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>
    ) {
        let c = shape.channels, positions = shape.positionsPerSample
        let perGroup = c / groups, count = Double(positions * perGroup)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * c) { buffer in
            guard let k = buffer.baseAddress else { return }
            for g in 0..<groups {
                let channels = g * perGroup..<(g + 1) * perGroup
                var sumD = 0.0, sumDX = 0.0
                for ch in channels {
                    sumD += Double(gamma[ch]) * p[c + ch]
                    sumDX += Double(gamma[ch]) * p[ch]
                }
                let (m, v) = (mean[n * groups + g], inverse[n * groups + g])
                let (meanD, meanDX) = (Float(sumD / count), Float(sumDX / count))
                for ch in channels { (k[ch], k[c + ch], k[2 * c + ch], k[3 * c + ch]) = (m, v, meanD, meanDX) }
            }
            let rows = n * positions..<(n + 1) * positions
            if c % ChannelLanes.V.scalarCount == 0 {
                dy.groupDx(x, gamma, coefficients: k, dx, rows: rows, channels: c)
                return
            }
            for s in rows {
                ChannelLanes.forEach(c) { ch, lanes in
                    let (m, v) = (ChannelLanes.load(k + ch, lanes), ChannelLanes.load(k + c + ch, lanes))
                    let (meanD, meanDX) = (ChannelLanes.load(k + 2 * c + ch, lanes), ChannelLanes.load(k + 3 * c + ch, lanes))
                    storeDx(s * c + ch, channel: ch, lanes, x, dy, gamma, dx, (m, v, meanD, meanDX))
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

    /// Mean and 1/σ (biased variance) of each of `groups` groups of channels in one sample of `positions`
    /// rows of `c` channels, group g holding channels g·c/groups ..< (g + 1)·c/groups of every row.
    ///
    /// Two passes as `moments` (Σ x, then Σ (x − μ)² from μ rounded to Float), each summing per channel
    /// over the rows in lanes of eight channels, then each group's channels in Double in channel order.
    private static func groupMoments(
        _ x: UnsafePointer<Float>, positions: Int, _ c: Int, groups: Int, mean: UnsafeMutablePointer<Float>,
        inverse: UnsafeMutablePointer<Float>
    ) {
        let perGroup = c / groups, count = Double(positions * perGroup)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: c) { sums in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: c) { centres in
                guard let sums = sums.baseAddress, let centres = centres.baseAddress else { return }
                func total(_ g: Int) -> Double {
                    var sum = 0.0
                    for ch in g * perGroup..<(g + 1) * perGroup { sum += sums[ch] }
                    return sum
                }
                channelSums(x, positions: positions, c, squaredFrom: nil, into: sums)
                for g in 0..<groups {
                    mean[g] = Float(total(g) / count)
                    for ch in g * perGroup..<(g + 1) * perGroup { centres[ch] = mean[g] }
                }
                channelSums(x, positions: positions, c, squaredFrom: centres, into: sums)
                for g in 0..<groups { inverse[g] = Float(1 / (total(g) / count + epsilon).squareRoot()) }
            }
        }
    }

    /// Σ x per channel over `positions` rows of `c` channels, or Σ (x − centre)² when `centre` (one per
    /// channel) is given: Float lanes of eight channels, rows in order, each lane written to `sums` as a
    /// Double.
    @inline(__always)
    private static func channelSums(
        _ x: UnsafePointer<Float>, positions: Int, _ c: Int, squaredFrom centre: UnsafePointer<Float>?,
        into sums: UnsafeMutablePointer<Double>
    ) {
        ChannelLanes.forEach(c) { ch, lanes in
            var sum = ChannelLanes.V()
            if let centre {
                let mu = ChannelLanes.load(centre + ch, lanes)
                for e in stride(from: ch, to: positions * c, by: c) {
                    let d = ChannelLanes.load(x + e, lanes) - mu
                    sum = sum.addingProduct(d, d)
                }
            } else {
                for e in stride(from: ch, to: positions * c, by: c) { sum += ChannelLanes.load(x + e, lanes) }
            }
            for lane in 0..<lanes { sums[ch + lane] = Double(sum[lane]) }
        }
    }

    /// The mean and 1/σ that normalise channels `ch ..< ch + lanes` at row `position` of sample `sample`.
    @inline(__always)
    private static func statistics(
        _ kind: Kind, _ shape: Shape, sample: Int, position: Int, channel ch: Int, _ lanes: Int,
        _ mean: UnsafePointer<Float>, _ inverse: UnsafePointer<Float>
    ) -> (ChannelLanes.V, ChannelLanes.V) {
        switch kind {
        case .group(let groups):
            // Lane by lane: eight channels may straddle groups.
            var (m, v) = (ChannelLanes.V(), ChannelLanes.V())
            for lane in 0..<lanes {
                let g = sample * groups + (ch + lane) / (shape.channels / groups)
                (m[lane], v[lane]) = (mean[g], inverse[g])
            }
            return (m, v)
        case .layer: return (ChannelLanes.V(repeating: mean[position]), ChannelLanes.V(repeating: inverse[position]))
        case .batch: return (ChannelLanes.load(mean + ch, lanes), ChannelLanes.load(inverse + ch, lanes))
        }
    }

    /// dx for rows normalised by a scalar mean and 1/σ each (`storeDx`); `row(s)` gives (mean, 1/σ,
    /// mean(dx̂), mean(dx̂·x̂)) for row s.
    @inline(__always)
    private static func dxRows(
        _ rows: Range<Int>, _ c: Int, _ x: UnsafePointer<Float>, _ dy: UpstreamGradient, _ gamma: UnsafePointer<Float>,
        _ dx: UnsafeMutablePointer<Float>, _ row: (Int) -> (Float, Float, Float, Float)
    ) {
        for s in rows {
            let (m, v, meanD, meanDX) = row(s)
            let k = (
                ChannelLanes.V(repeating: m), ChannelLanes.V(repeating: v), ChannelLanes.V(repeating: meanD),
                ChannelLanes.V(repeating: meanDX)
            )
            ChannelLanes.forEach(c) { ch, lanes in storeDx(s * c + ch, channel: ch, lanes, x, dy, gamma, dx, k) }
        }
    }

    /// dx = (1/σ)·(γ·dy − mean(dx̂) − x̂·mean(dx̂·x̂)) at element `e`, channels `ch ..< ch + lanes`, from
    /// (mean, 1/σ, mean(dx̂), mean(dx̂·x̂)) of each lane's normalised set.
    @inline(__always)
    private static func storeDx(
        _ e: Int, channel ch: Int, _ lanes: Int, _ x: UnsafePointer<Float>, _ dy: UpstreamGradient,
        _ gamma: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        _ k: (mean: ChannelLanes.V, inverse: ChannelLanes.V, meanD: ChannelLanes.V, meanDX: ChannelLanes.V)
    ) {
        let xhat = (ChannelLanes.load(x + e, lanes) - k.mean) * k.inverse
        let d = dy.load(e, lanes) * ChannelLanes.load(gamma + ch, lanes)
        ChannelLanes.store(k.inverse * (d - k.meanD - xhat * k.meanDX), dx + e, lanes)
    }

    /// y = x·scale + shift per channel over `positions` rows of `c` channels (then the ReLU when `relu`).
    @inline(__always)
    private static func affine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, positions: Int, _ c: Int, scale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, relu: Bool
    ) {
        if c % ChannelLanes.V.scalarCount == 0 {
            relu
                ? wholeLanesAffine(x, y, count: positions * c, c, scale: scale, shift: shift, relu: true)
                : wholeLanesAffine(x, y, count: positions * c, c, scale: scale, shift: shift, relu: false)
            return
        }
        for e in stride(from: 0, to: positions * c, by: c) {
            ChannelLanes.forEach(c) { ch, lanes in
                let out =
                    ChannelLanes.load(x + e + ch, lanes) * ChannelLanes.load(scale + ch, lanes)
                    + ChannelLanes.load(shift + ch, lanes)
                ChannelLanes.store(rectified(out, relu), y + e + ch, lanes)
            }
        }
    }

    /// `affine` for channels a multiple of eight: the same expressions in a loop without partial lanes.
    @inline(never)
    private static func wholeLanesAffine(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, _ c: Int, scale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, relu: Bool
    ) {
        typealias V = ChannelLanes.V
        func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var e = 0
        while e < count {
            var ch = 0
            while ch < c {
                let out = load(x + e + ch) * load(scale + ch) + load(shift + ch)
                UnsafeMutableRawPointer(y + e + ch).storeBytes(of: rectified(out, relu), as: V.self)
                ch &+= V.scalarCount
            }
            e &+= c
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
        let positions = shape.positionsPerSample
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: samples * c)
        defer { partials.deallocate() }
        let (ps, xs) = (SharedPointer(base: partials), SharedReadPointer(base: x))
        // Σ (x − centre)² over a sample's positions per channel, then over samples in order.
        func squaredDeviations(from centre: [Float]) -> [Double] {
            centre.withUnsafeBufferPointer { buffer in
                guard let centre = buffer.baseAddress else { return }
                let cs = SharedReadPointer(base: centre)
                parallelism.forEach(samples) { n in
                    channelSums(xs.base + n * size, positions: positions, c, squaredFrom: cs.base, into: ps.base + n * c)
                }
            }
            var totals = [Double](repeating: 0, count: c)
            for n in 0..<samples { for ch in 0..<c { totals[ch] += partials[n * c + ch] } }
            return totals
        }
        // Σ x per channel, then Σ (x − μ)² per channel.
        parallelism.forEach(samples) { n in
            channelSums(xs.base + n * size, positions: positions, c, squaredFrom: nil, into: ps.base + n * c)
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
