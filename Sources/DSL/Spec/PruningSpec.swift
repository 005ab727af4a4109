/// Iterative magnitude pruning with rewinding from a trained network (science.md, E3): a sequence of
/// networks, one per level, usable wherever a network is, at `at: levels`.
///
/// Level 0 is the trained network itself. Level L prunes `rate` of the weights that level L−1 kept
/// (globally, by magnitude), rewinds the survivors to their values at checkpoint `rewind` of the
/// original run, and retrains from there to the end of the same schedule with the mask fixed.
public struct PruningSpec: Sendable, Hashable, Codable {
    /// How the output layer takes part in pruning.
    public enum OutputLayer: String, Sendable, Hashable, Codable, CaseIterable {
        case prune, half, keep
    }

    /// The trained network the sequence starts from.
    public var network: Reference
    /// Pruning rounds after the dense network.
    public var levels: Int
    /// Fraction of the remaining prunable weights removed per level.
    public var rate: Double
    /// The checkpoint step the surviving weights are rewound to (one the recipe keeps).
    public var rewind: Int
    /// Whether the output layer is pruned, pruned at half rate, or kept dense.
    public var output: OutputLayer
    /// Where `rewind:` was written, for messages about it.
    public var rewindLocation: SourceLocation?
}
