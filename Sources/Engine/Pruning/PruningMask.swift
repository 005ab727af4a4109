/// Which weights of an MLP survive pruning: one 0/1 value per weight of each layer (biases are never
/// pruned).
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

    /// Per layer, `[out, in]` like the weight: 1 keeps the weight, 0 prunes it.
    public var layers: [[Float]]

    public init(layers: [[Float]]) {
        self.layers = layers
    }

    /// Everything kept.
    public static func dense(_ network: MLP) -> PruningMask {
        PruningMask(layers: network.layers.map { [Float](repeating: 1, count: $0.weight.count) })
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
    public func pruning(_ network: MLP, rate: Double, output: OutputLayer) -> PruningMask {
        precondition(rate >= 0 && rate < 1 && network.layers.count == layers.count)
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
                let weights = network.layers[l].weight.scalars
                for i in weights.indices where layers[l][i] != 0 { candidates.append((abs(weights[i]), l, i)) }
            }
            let count = Int((Double(candidates.count) * groupRate).rounded())
            candidates.sort { ($0.magnitude, $0.layer, $0.index) < ($1.magnitude, $1.layer, $1.index) }
            for c in candidates.prefix(count) { next.layers[c.layer][c.index] = 0 }
        }
        return next
    }

    /// The network with pruned weights set to zero.
    public func applied(to network: MLP) -> MLP {
        var result = network
        for l in result.layers.indices {
            let mask = layers[l]
            result.layers[l].weight = Tensor(
                shape: result.layers[l].weight.shape,
                scalars: zip(result.layers[l].weight.scalars, mask).map { $0 * $1 })
        }
        return result
    }

    /// The mask carried to another unit order: what `network.permuted(by: permutations)` does to the
    /// weights, done to the mask (pass inverses to carry a mask from A's order back to B's).
    public func permuted(by permutations: [Permutation], shapes network: MLP) -> PruningMask {
        let carrier = MLP(
            layers: zip(network.layers, layers).map { layer, keep in
                MLP.Layer(weight: Tensor(shape: layer.weight.shape, scalars: keep), bias: layer.bias)
            })
        return PruningMask(layers: carrier.permuted(by: permutations).layers.map(\.weight.scalars))
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
