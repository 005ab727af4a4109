/// REPAIR (Jordan, Sedghi, Saukh, Entezari, Neyshabur, *REPAIR: REnormalizing Permuted Activations for
/// Interpolation Repair*, ICLR 2023): rescale every channel of each pre-activation of an interpolated
/// network so that its mean and standard deviation are the interpolation of the endpoints'.
///
/// Averaging two aligned networks shrinks the spread of their units' pre-activations ("variance
/// collapse"); restoring it per channel recovers much of the accuracy lost along the path. The
/// pre-activations are each normalisation's output, whose per-channel affine absorbs the correction, and
/// each hidden convolution or linear layer's output that no norm reads, whose weight rows and bias absorb
/// it (an MLP's hidden layers, a conv net's convolutions without norms). Layers are
/// repaired one at a time in program order, each measured after the ones before it are repaired (BatchNorm
/// networks on their running statistics: reset those first), in one pass over all the examples held at
/// once: memory grows with their count times the network's activations per example. Statistics are sums
/// in Double in example order, so nothing depends on the thread count.
public enum Repair {
    /// Per-channel mean and standard deviation of one pre-activation, every position of every example a
    /// sample.
    public struct Statistics: Sendable, Hashable {
        public var mean: [Double]
        public var deviation: [Double]
    }

    /// The statistics of every repaired layer of `network` on `inputs`, in program order.
    ///
    /// All examples pass at once, as in `repair`, so an endpoint's statistics are bit for bit those
    /// `repair` measures on it.
    public static func statistics(of network: Network, on inputs: Dataset.Split, parallelism: Parallelism) -> [Statistics] {
        let all = sites(network.program)
        guard let last = all.map(\.operation).max(), inputs.count > 0 else { return [] }
        let state = loadedState(network, inputs)
        state.forward(batch: inputs.count, training: false, through: last, parallelism: parallelism)
        return all.map { measure(state, at: $0, examples: inputs.count) }
    }

    /// Σ_i w_i·s_i channel by channel, means and deviations alike: the targets at a point of a path.
    ///
    /// - Precondition: one weight per network, and the networks' statistics have the same shapes.
    public static func mix(_ statistics: [[Statistics]], weights: [Double]) -> [Statistics] {
        precondition(!statistics.isEmpty && statistics.count == weights.count)
        return statistics[0].indices.map { layer in
            let channels = statistics[0][layer].mean.count
            var mixed = Statistics(mean: .init(repeating: 0, count: channels), deviation: .init(repeating: 0, count: channels))
            for (network, weight) in zip(statistics, weights) {
                for c in 0..<channels {
                    mixed.mean[c] += weight * network[layer].mean[c]
                    mixed.deviation[c] += weight * network[layer].deviation[c]
                }
            }
            return mixed
        }
    }

    /// `network` with each repaired layer's channels rescaled to `targets` (one per layer, program order),
    /// as measured on `inputs`.
    ///
    /// Channel c becomes z·s + t with s = σ*/σ and t = μ* − μ·s (μ, σ measured, μ*, σ* the target; s = 1
    /// for a constant channel): at an endpoint, whose own statistics are the targets, s = 1 and t = 0
    /// exactly and nothing changes.
    /// - Precondition: `targets` has one entry per repaired layer, each as wide as the layer.
    public static func repair(
        _ network: Network, toward targets: [Statistics], on inputs: Dataset.Split, parallelism: Parallelism
    ) -> Network {
        let program = network.program
        let all = sites(program)
        precondition(targets.count == all.count, "one target per repaired layer")
        let n = inputs.count
        let state = loadedState(network, inputs)
        var next = 0
        for (site, target) in zip(all, targets) where n > 0 {
            state.forward(batch: n, training: false, from: next, through: site.operation, parallelism: parallelism)
            let measured = measure(state, at: site, examples: n)
            precondition(target.mean.count == measured.mean.count, "a target of the wrong width")
            for c in target.mean.indices {
                let (scale, shift) = correction(c, measured: measured, target: target)
                switch site.fold {
                case .affine(let prefix):
                    let (gamma, beta) = (state.parameter(prefix + ".weight"), state.parameter(prefix + ".bias"))
                    gamma[c] *= scale
                    beta[c] = beta[c] * scale + shift
                case .kernel(let prefix, let rowLength):
                    let (weight, bias) = (state.parameter(prefix + ".weight"), state.parameter(prefix + ".bias"))
                    for e in c * rowLength..<(c + 1) * rowLength { weight[e] *= scale }
                    bias[c] = bias[c] * scale + shift
                }
            }
            // The layer again with its folded parameters, for the layers after it to read.
            state.forward(batch: n, training: false, from: site.operation, through: site.operation, parallelism: parallelism)
            next = site.operation + 1
        }
        return state.snapshot()
    }

    /// A pre-activation that is repaired: the operation writing it and where the correction goes.
    struct Site {
        enum Fold {
            /// Into the norm's scale and shift.
            case affine(prefix: String)
            /// Into the layer's weight rows (`rowLength` weights per output unit) and bias.
            case kernel(prefix: String, rowLength: Int)
        }
        var operation: Int
        var buffer: Int
        var fold: Fold
    }

    /// Every norm's output, and every biased convolution's or linear layer's output that no norm reads,
    /// but the logits.
    static func sites(_ program: LayerProgram) -> [Site] {
        var normalised = Set<Int>()
        for (layer, from, _) in program.operations {
            if case .norm = layer.operation { normalised.insert(from) }
        }
        let rowLengths = Dictionary(
            program.parameters.map { ($0.name, $0.shape.dropFirst().reduce(1, *)) }, uniquingKeysWith: { a, _ in a })
        let logits = program.buffers.count - 1
        return program.operations.enumerated().compactMap { i, operation in
            let (layer, _, to) = operation
            switch layer.operation {
            case .norm:
                return Site(operation: i, buffer: to, fold: .affine(prefix: layer.name))
            case .conv(_, _, _, _, true), .linear(_, true), .tokenLinear(_, true):
                guard to != logits, !normalised.contains(to) else { return nil }
                let rowLength = rowLengths[layer.name + ".weight"] ?? 0
                return Site(operation: i, buffer: to, fold: .kernel(prefix: layer.name, rowLength: rowLength))
            case .conv, .linear, .tokenLinear, .relu, .gelu, .maxPool, .averagePool, .globalAveragePool, .flatten, .add,
                .positionEmbedding, .attention:
                return nil
            }
        }
    }

    /// A state for `network` holding every example of `inputs` as one batch, norms' outputs kept.
    private static func loadedState(_ network: Network, _ inputs: Dataset.Split) -> NetworkState {
        let state = NetworkState(network: network, batchCapacity: max(1, inputs.count), training: false, fusingReLU: false)
        inputs.inputs.withUnsafeBufferPointer { x in
            if let base = x.baseAddress { state.batchInputs.update(from: base, count: x.count) }
        }
        return state
    }

    /// The channel statistics of `site`'s output in `state`, over `examples` examples.
    private static func measure(_ state: NetworkState, at site: Site, examples: Int) -> Statistics {
        let buffer = state.program.buffers[site.buffer]
        let positions = examples * buffer.height * buffer.width
        var sums = [Double](repeating: 0, count: 2 * buffer.channels)
        accumulate(state.activations[site.buffer], positions: positions, channels: buffer.channels, into: &sums)
        return statistics(sums, count: positions, channels: buffer.channels)
    }

    /// The affine z·scale + shift that takes channel c from its measured mean and deviation to the
    /// target's (scale 1 for a constant channel).
    static func correction(_ c: Int, measured: Statistics, target: Statistics) -> (scale: Float, shift: Float) {
        let s = measured.deviation[c] > 0 ? target.deviation[c] / measured.deviation[c] : 1
        return (Float(s), Float(target.mean[c] - measured.mean[c] * s))
    }

    /// Means and deviations from `accumulate`'s sums over `count` positions.
    static func statistics(_ sums: [Double], count: Int, channels c: Int) -> Statistics {
        let n = Double(count)
        let mean = (0..<c).map { sums[$0] / n }
        let deviation = (0..<c).map { ch in max(sums[c + ch] / n - mean[ch] * mean[ch], 0).squareRoot() }
        return Statistics(mean: mean, deviation: deviation)
    }

    /// Adds each channel's sum (first `channels` entries) and sum of squares (the next) over NHWC rows.
    static func accumulate(
        _ values: UnsafePointer<Float>, positions: Int, channels c: Int, into sums: inout [Double]
    ) {
        sums.withUnsafeMutableBufferPointer { s in
            for p in 0..<positions {
                for ch in 0..<c {
                    let v = Double(values[p * c + ch])
                    s[ch] += v
                    s[c + ch] += v * v
                }
            }
        }
    }
}
