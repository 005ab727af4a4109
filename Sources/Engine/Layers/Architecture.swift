/// A network's architecture: a straight-line program of layers over buffers of shape C×H×W.
///
/// Buffer 0 is the input image; layer i writes buffer i + 1 and reads earlier buffers (the previous one
/// unless it names others). The last buffer holds the logits. Every network lmc trains, aligns and
/// interpolates is one of these: the `mlp`, `vgg` and `resnet` builders and models declared layer by
/// layer in a spec make the same kind of value, and everything downstream reads only the layers.
public struct Architecture: Sendable, Hashable, Codable {
    /// What a layer computes.
    public enum Operation: Sendable, Hashable, Codable {
        /// y = x·Wᵀ + b on a C×1×1 buffer (flatten first); `weight` is `[outputs, C]`.
        case linear(outputs: Int, bias: Bool)
        /// y = x·Wᵀ + b at each position of a C×H×W buffer (a transformer's linear layer, positions being
        /// tokens); `weight` is `[outputs, C]`.
        case tokenLinear(outputs: Int, bias: Bool)
        /// A learned `weight` of shape `[H·W, C]` added to every sample: a transformer's position embedding
        /// (positions in row-major order, as PyTorch's `flatten(2).transpose(1, 2)` orders patches).
        case positionEmbedding
        /// Multi-head scaled dot-product attention over positions: reads queries, keys and values (three
        /// distinct buffers of one shape C×H×W), C split into `heads` runs of consecutive channels, and
        /// writes softmax(q kᵀ / √(C / heads)) v per head, heads side by side.
        case attention(heads: Int)
        /// 2-d convolution with zero padding; `weight` is `[channels, in, kernel, kernel]`.
        case conv(channels: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)
        /// Normalisation followed by a per-channel affine (`weight`, `bias`; BatchNorm adds
        /// `running_mean` and `running_var`).
        case norm(Normalization.Kind)
        case relu
        /// GELU, exact (erf) form, PyTorch's default: x·Φ(x), Φ the standard normal CDF.
        case gelu
        /// Max over non-overlapping `kernel`×`kernel` windows (stride = kernel), odd edges dropped.
        case maxPool(kernel: Int)
        /// Mean over non-overlapping `kernel`×`kernel` windows (stride = kernel), odd edges dropped.
        case averagePool(kernel: Int)
        /// Mean over every position: C×H×W to C×1×1.
        case globalAveragePool
        /// C×H×W to (C·H·W)×1×1 in PyTorch's order (channel-major).
        case flatten
        /// The sum of two buffers of one shape.
        case add
    }

    /// One step of the program.
    public struct Layer: Sendable, Hashable, Codable {
        /// The layer's name: the prefix of its tensors (`conv1` owns `conv1.weight`, `conv1.bias`).
        public var name: String
        public var operation: Operation
        /// The buffers it reads (0 the input, k the output of layer k − 1): one, two for `add`, three for
        /// `attention`.
        public var inputs: [Int]

        public init(name: String, operation: Operation, inputs: [Int]) {
            self.name = name
            self.operation = operation
            self.inputs = inputs
        }
    }

    /// The input image's shape.
    public var input: ImageShape
    /// The layers in program order.
    public var layers: [Layer]

    public init(input: ImageShape, layers: [Layer]) {
        self.input = input
        self.layers = layers
    }

    /// Appends a layer reading `inputs` (default: the last buffer) and returns the buffer it writes.
    @discardableResult
    public mutating func append(_ name: String, _ operation: Operation, inputs: [Int]? = nil) -> Int {
        layers.append(Layer(name: name, operation: operation, inputs: inputs ?? [layers.count]))
        return layers.count
    }
}

/// Why an architecture cannot run: a layer whose inputs do not fit it, or a parameter out of range.
public struct ArchitectureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending layer's index, nil for the architecture as a whole.
    public var layer: Int?
    public var message: String
    public var description: String { message }

    public init(layer: Int?, _ message: String) {
        self.layer = layer
        self.message = message
    }
}
