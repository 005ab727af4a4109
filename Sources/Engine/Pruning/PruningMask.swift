/// Which weights of a network survive pruning: one 0/1 value per weight of each prunable tensor
/// (`Network.prunableWeights`: an MLP's layer weights, a conv net's kernels and classifier weight;
/// biases and norm parameters are never pruned).
///
/// Used by iterative magnitude pruning (Frankle et al.; science.md E3): masked weights are zero and stay
/// zero through training, because their gradients are masked too.
public struct PruningMask: Sendable, Hashable {
    /// How the output layer takes part in global pruning.
    public enum OutputLayer: String, Sendable, Hashable, Codable, CaseIterable {
        /// Pruned like every other layer.
        case prune
        /// Pruned at half the rate, in its own ranking.
        case half
        /// Never pruned.
        case keep
    }

    /// Per prunable tensor, in `Network.prunableWeights` order (the output layer last), laid out like
    /// the tensor: 1 keeps the weight, 0 prunes it.
    public var layers: [[Float]]

    public init(layers: [[Float]]) {
        self.layers = layers
    }

    /// Everything kept.
    public static func dense(_ network: Network) -> PruningMask {
        PruningMask(layers: network.prunableWeights.map { [Float](repeating: 1, count: $0.tensor.count) })
    }

    /// Fraction of the weights of the layers that `output` lets be pruned that are still kept.
    public func density(output: OutputLayer) -> Double {
        let counted = output == .keep ? layers.dropLast() : layers[...]
        let total = counted.reduce(0) { $0 + $1.count }
        let kept = counted.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) } }
        return total == 0 ? 1 : kept / Double(total)
    }

    /// Prunes the `rate` fraction of smallest-magnitude weights still kept, ranked globally across the
    /// hidden layers (and the output layer, per `output`).
    ///
    /// Ties in magnitude are broken by position (layer, then index), so the mask is deterministic.
    public func pruning(_ network: Network, rate: Double, output: OutputLayer) -> PruningMask {
        let weights = network.prunableWeights.map(\.tensor.scalars)
        precondition(rate >= 0 && rate < 1 && weights.count == layers.count)
        var next = self
        let last = layers.count - 1
        var groups: [[Int]] = [Array(0..<last)]
        switch output {
        case .prune: groups[0].append(last)
        case .half: groups.append([last])
        case .keep: break
        }
        for (g, members) in groups.enumerated() {
            let groupRate = g == 1 ? rate / 2 : rate
            var candidates: [(magnitude: Float, layer: Int, index: Int)] = []
            for l in members {
                for i in weights[l].indices where layers[l][i] != 0 { candidates.append((abs(weights[l][i]), l, i)) }
            }
            let count = Int((Double(candidates.count) * groupRate).rounded())
            candidates.sort { ($0.magnitude, $0.layer, $0.index) < ($1.magnitude, $1.layer, $1.index) }
            for c in candidates.prefix(count) { next.layers[c.layer][c.index] = 0 }
        }
        return next
    }

    /// The network with pruned weights set to zero.
    public func applied(to network: Network) -> Network {
        replacingWeights(of: network) { weights, keep in zip(weights, keep).map { $0 * $1 } }
    }

    /// The mask carried to another unit order: what `network.permuted(by: permutations)` does to the
    /// weights, done to the mask (pass inverses to carry a mask from A's order back to B's).
    public func permuted(by permutations: [Permutation], shapes network: Network) -> PruningMask {
        let carrier = replacingWeights(of: network) { _, keep in keep }
        return PruningMask(layers: carrier.permuted(by: permutations).prunableWeights.map(\.tensor.scalars))
    }

    /// `network` with each prunable weight tensor's scalars replaced by `values(weights, keep)`.
    private func replacingWeights(of network: Network, _ values: ([Float], [Float]) -> [Float]) -> Network {
        let tensors = zip(network.prunableWeights, layers).map { weight, keep in
            (weight.name, Tensor(shape: weight.tensor.shape, scalars: values(weight.tensor.scalars, keep)))
        }
        return network.replacing(Dictionary(tensors, uniquingKeysWith: { first, _ in first }))
    }

    /// A random mask with the same density in every layer: each layer's entries shuffled by a stream
    /// keyed by (seed, "mask/shuffle", layer).
    public func shuffled(seed: UInt64) -> PruningMask {
        PruningMask(
            layers: layers.enumerated().map { l, keep in
                var stream = RandomStream(seed: seed, purpose: "mask/shuffle", index: UInt64(l))
                return stream.permutation(keep.count).map { keep[$0] }
            })
    }
}
