/// A permutation of one network's hidden units that aligns it to another network.
///
/// Direction convention: aligning `network` to `target` yields π with π(network) ≈ target.
public struct AlignmentSpec: Sendable, Hashable, Codable {
    /// The algorithm that finds the permutation.
    public enum Method: Sendable, Hashable, Codable {
        /// Coordinate ascent on Σ⟨θ_A, π(θ_B)⟩ (Git Re-Basin): `maxSweeps` at most, group order from `seed`;
        /// with `restarts` (nil: one), from seeds `seed`, `seed + 1`, …, keeping the highest objective.
        /// One restart is nil, so specs without `restarts` keep their cache keys.
        case weightMatching(maxSweeps: Int, seed: UInt64, restarts: Int? = nil)
        /// One assignment per layer on the similarity of unit activations over `samples` training inputs.
        case activationMatching(samples: Int, similarity: Similarity)
        /// Git Re-Basin's straight-through estimator: a real-valued copy of A projected to B's nearest
        /// permutation by weight matching (`maxSweeps`) each update, trained by SGD (`learningRate`,
        /// `momentum`, batches of `batchSize`, `epochs` passes over the training split in an order from
        /// `seed`) on the loss at the midpoint of A and the permuted B.
        case straightThrough(
            epochs: Int, batchSize: Int, learningRate: Double, momentum: Double, maxSweeps: Int, seed: UInt64)
    }

    /// How two units' activations are compared.
    public enum Similarity: String, Sendable, Hashable, Codable, CaseIterable {
        /// Pearson correlation of post-activation values.
        case correlation
        /// Uncentred cross-moment E[a·b].
        case crossMoment = "cross-moment"
    }

    /// The algorithm and its parameters.
    public var method: Method
    /// The network that is permuted.
    public var network: Reference
    /// The network it is aligned to.
    public var target: Reference
    /// When in training the permutation is found (`at:`; default the end): one alignment per moment.
    public var at: MomentSelection = .moments([.end])
    /// Where `at:` was written, for messages about it.
    public var atLocation: SourceLocation?

}

extension AlignmentSpec.Method {
    /// The method's name in a spec.
    public var name: String {
        switch self {
        case .weightMatching: "weight-matching"
        case .activationMatching: "activation-matching"
        case .straightThrough: "straight-through"
        }
    }
}
