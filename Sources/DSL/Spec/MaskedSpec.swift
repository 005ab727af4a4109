/// A network retrained from its rewind point under a mask taken from another network's pruning level.
///
/// Mask transport (science.md E3): does a mask found on A work for B once carried into B's unit order?
public struct MaskedSpec: Sendable, Hashable, Codable {
    /// How the donor's mask is carried to the network.
    public enum Transport: Sendable, Hashable, Codable {
        /// π⁻¹(mask) for an alignment π of the network to the donor's network.
        case permuted(Reference)
        /// The donor's mask as it is, in the donor's unit order.
        case asIs
        /// The donor's mask shuffled within each layer: the same layerwise density, no structure.
        case random(seed: UInt64)
    }

    /// The trained network whose rewind checkpoint is retrained.
    public var network: Reference
    /// The checkpoint step the network is rewound to (one its recipe keeps).
    public var rewind: Int
    /// The pruning sequence the mask comes from.
    public var mask: Reference
    /// The level of that sequence whose mask is used (at least 1).
    public var level: Int
    /// How the mask is carried over.
    public var transport: Transport
    /// Where the entry's keys were written, for messages.
    public var levelLocation: SourceLocation?
    public var rewindLocation: SourceLocation?
}
