/// One layer of a model declared layer by layer (`models: {net: {layers: [...]}}`), blocks expanded.
///
/// Equality and the cache key cover what the layer computes and its names, never where it is written.
public struct LayerSpec: Sendable, Hashable, Codable {
    /// What the layer computes.
    public enum Operation: Sendable, Hashable, Codable {
        /// A fully connected layer; nil outputs: the dataset's class count (`linear: classes`).
        case linear(outputs: Int?, bias: Bool)
        /// A linear layer applied at every position (token) of its input (`{linear: N, per: token}`).
        case tokenLinear(outputs: Int, bias: Bool)
        /// A learned tensor `[positions, channels]` added to every sample.
        case positionEmbedding
        /// Multi-head self-attention reading queries, keys and values (`{attention: [q, k, v], heads: H}`).
        case attention(heads: Int)
        case conv(channels: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)
        case norm(Norm)
        case relu
        /// GELU, exact form (PyTorch's `nn.GELU()`).
        case gelu
        case maxPool(kernel: Int)
        case averagePool(kernel: Int)
        case globalAveragePool
        case flatten
        case add

        /// Whether the layer owns tensors (and so needs a name the user chose).
        public var hasTensors: Bool {
            switch self {
            case .linear, .tokenLinear, .positionEmbedding, .conv, .norm: true
            case .relu, .gelu, .maxPool, .averagePool, .globalAveragePool, .flatten, .add, .attention: false
            }
        }
    }

    /// The normalisations a declared layer may use.
    ///
    /// Encoded as a string (`batch`, `layer`, `group` for one group, `group/4` for four), so the cache keys
    /// of specs written before GroupNorm took a group count are unchanged.
    public enum Norm: Sendable, Hashable {
        /// BatchNorm with running statistics.
        case batch
        /// GroupNorm with this many groups (`groups:`, default 1) of consecutive channels, as PyTorch's
        /// `nn.GroupNorm(groups, C)`.
        case group(Int)
        /// LayerNorm over the channels at each position.
        case layer
    }

    /// The name the reference `input` has: the model's input image (inside a block, the block's input).
    public static let input = "input"

    /// The layer's full name: the prefix of its tensors; `op@n` for an unnamed layer without tensors.
    public var name: String
    public var operation: Operation
    /// Full names of the layers it reads (`input` for the image); empty: the layer before it.
    public var inputs: [String]
    /// Where the layer is written (not part of equality or the cache key).
    public var location: SourceLocation

    public init(name: String, operation: Operation, inputs: [String], location: SourceLocation) {
        self.name = name
        self.operation = operation
        self.inputs = inputs
        self.location = location
    }

    private enum CodingKeys: String, CodingKey { case name, operation, inputs }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        operation = try container.decode(Operation.self, forKey: .operation)
        inputs = try container.decode([String].self, forKey: .inputs)
        location = SourceLocation(file: "", line: 0, column: 0)
    }

    public static func == (a: LayerSpec, b: LayerSpec) -> Bool {
        a.name == b.name && a.operation == b.operation && a.inputs == b.inputs
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(operation)
        hasher.combine(inputs)
    }
}

extension LayerSpec.Norm: Codable {
    /// Reads `batch`, `layer`, `group` or `group/G` (G ≥ 2 in decimal, no sign or leading zero).
    ///
    /// - Throws: `DecodingError.dataCorrupted` for any other string, `group/1` included (one group is
    ///   `group`), so each norm has one spelling and one cache key.
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

    /// Writes `batch`, `layer`, `group` (one group) or `group/G`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .batch: try container.encode("batch")
        case .layer: try container.encode("layer")
        case .group(1): try container.encode("group")
        case .group(let groups): try container.encode("group/\(groups)")
        }
    }
}
