/// One permutation per network that carries N networks into one shared unit order (`alignments:` entries
/// with `networks:`), so that any of them can be interpolated with any other, or all at once.
///
/// Found at the end of training. Convention: π_i takes network i into the shared order, so π_i(θ_i) and
/// π_j(θ_j) are directly comparable.
public struct JointAlignmentSpec: Sendable, Hashable, Codable {
    /// How the shared order is found.
    public enum Method: Sendable, Hashable, Codable {
        /// Every network aligned pairwise to `reference` by a pairwise method; the reference's order is the
        /// shared one (its own permutation is the identity).
        case reference(AlignmentSpec.Method)
        /// MergeMany (Git Re-Basin): coordinate ascent on Σ_{i<j} ⟨π_i θ_i, π_j θ_j⟩, each network in turn
        /// weight-matched to the sum of the others; `maxSweeps`, `seed` and `restarts` as weight matching's.
        case mergeMany(maxSweeps: Int, seed: UInt64, restarts: Int? = nil)
        /// The activation counterpart: coordinate ascent on the sum over pairs of the similarity of
        /// matched units' activations on `samples` training inputs.
        case mergeManyActivations(samples: Int, similarity: AlignmentSpec.Similarity, maxSweeps: Int)
        /// The straight-through estimator for N networks: one estimate of the centroid in the first
        /// network's order, every other network projected onto it by weight matching each update, trained on
        /// the loss at the centroid (parameters as the pairwise method's).
        case straightThrough(
            epochs: Int, batchSize: Int, learningRate: Double, momentum: Double, maxSweeps: Int, seed: UInt64)
    }

    /// The algorithm and its parameters.
    public var method: Method
    /// The networks aligned, two or more, in the order of the spec.
    public var networks: [Reference]
    /// For `.reference`: the network whose unit order is shared (`to:`), in `networks` or not.
    public var reference: Reference?
}
