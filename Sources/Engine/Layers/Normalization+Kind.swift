extension Normalization {
    /// Which statistics a norm uses: per sample and group of channels (GroupNorm), per position (LayerNorm
    /// over channels), per channel (BatchNorm).
    ///
    /// Encoded as a string, the form stored architectures have always had: `batch`, `layer`, `group` for
    /// one group and `group/8` for eight.
    public enum Kind: Sendable, Hashable {
        /// GroupNorm with this many groups, as PyTorch's `nn.GroupNorm(groups, C)`: each sample normalised
        /// over its positions and the channels of each group, group g holding channels
        /// g·C/groups ..< (g + 1)·C/groups. One group normalises each sample as a whole; C groups is
        /// InstanceNorm. `LayerProgram` checks 1 ≤ groups ≤ C and that groups divides C.
        case group(Int)
        /// LayerNorm over the channels at each position.
        case layer
        /// BatchNorm: each channel normalised over the batch and positions, running statistics kept.
        case batch
    }
}

extension Normalization.Kind: CustomStringConvertible {
    /// The encoded form: `batch`, `layer`, `group` (one group) or `group/G`.
    public var description: String {
        switch self {
        case .batch: "batch"
        case .layer: "layer"
        case .group(1): "group"
        case .group(let groups): "group/\(groups)"
        }
    }
}

extension Normalization.Kind: Codable {
    /// Reads `batch`, `layer`, `group` or `group/G` (G ≥ 2 in decimal, no sign or leading zero).
    ///
    /// - Throws: `DecodingError.dataCorrupted` for any other string, `group/1` included (one group is
    ///   `group`), so each kind has one spelling.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        switch text {
        case "batch": self = .batch
        case "layer": self = .layer
        case "group": self = .group(1)
        default:
            let prefix = "group/"
            guard text.hasPrefix(prefix), let groups = Int(text.dropFirst(prefix.count)), groups >= 2,
                text == prefix + String(groups)
            else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a norm is batch, layer, group or group/G with G ≥ 2; got '\(text)'")
            }
            self = .group(groups)
        }
    }

    /// Writes `description`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
