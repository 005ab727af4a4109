/// An architecture checked and compiled: every buffer's shape, each layer as an operation on buffers, and
/// every tensor the layers read.
///
/// Made only by `init(_:)`, which rejects what cannot run, so everything downstream (training,
/// evaluation, alignment) can trust the shapes. Shapes are per sample; buffers are stored NHWC.
public struct LayerProgram: Sendable, Hashable {
    /// A buffer's per-sample shape.
    struct Buffer: Sendable, Hashable {
        var height: Int
        var width: Int
        var channels: Int
        var size: Int { height * width * channels }
    }

    /// A tensor the program reads, with how it is initialised and which buffer's channels index axis 0 / 1.
    struct Parameter: Sendable, Hashable {
        enum Role: Sendable, Hashable {
            case weight(fanIn: Int), bias(fanIn: Int), scale, shift, runningMean, runningVariance, embedding
        }
        /// The layer that owns it.
        var layer: String
        /// `weight`, `bias`, `running_mean` or `running_var`.
        var suffix: String
        var shape: [Int]
        var role: Role
        /// Buffer whose channels index axis 0.
        var outputBuffer: Int?
        /// Buffer whose channels index axis 1, for weights.
        var inputBuffer: Int?
        /// `layer.suffix`, as in a PyTorch state dict.
        var name: String { layer + "." + suffix }
        var trained: Bool {
            switch role {
            case .runningMean, .runningVariance: false
            case .weight, .bias, .scale, .shift, .embedding: true
            }
        }
    }

    /// The architecture this program runs.
    public let architecture: Architecture
    /// Buffer 0 is the input; layer i writes buffer i + 1; the last holds the logits.
    let buffers: [Buffer]
    /// Every tensor in state-dict order (layer by layer: weight, bias, then running statistics).
    let parameters: [Parameter]

    /// Checks every layer against the shapes of the buffers it reads.
    ///
    /// - Throws: `ArchitectureError` naming the first layer that does not fit, with both shapes where
    ///   shapes disagree, or a parameter out of range.
    public init(_ architecture: Architecture) throws(ArchitectureError) {
        self.architecture = architecture
        let input = architecture.input
        guard input.channels > 0, input.height > 0, input.width > 0 else {
            throw ArchitectureError(layer: nil, "the input shape \(input) is empty")
        }
        guard !architecture.layers.isEmpty else { throw ArchitectureError(layer: nil, "the model has no layers") }
        var buffers = [Buffer(height: input.height, width: input.width, channels: input.channels)]
        var parameters: [Parameter] = []
        var names = Set<String>()
        for (i, layer) in architecture.layers.enumerated() {
            func fail(_ message: String) -> ArchitectureError { ArchitectureError(layer: i, "layer '\(layer.name)': " + message) }
            guard names.insert(layer.name).inserted else { throw fail("a second layer of that name") }
            let arity =
                switch layer.operation {
                case .add: 2
                case .attention: 3
                default: 1
                }
            guard layer.inputs.count == arity, layer.inputs.allSatisfy({ $0 >= 0 && $0 < buffers.count }) else {
                throw fail("reads \(layer.inputs.count) earlier buffers; it needs \(arity)")
            }
            let x = buffers[layer.inputs[0]], from = layer.inputs[0], to = buffers.count
            let out: Buffer
            switch layer.operation {
            case .linear(let outputs, let bias), .tokenLinear(let outputs, let bias):
                let perToken = layer.operation == .tokenLinear(outputs: outputs, bias: bias)
                guard perToken || (x.height == 1 && x.width == 1) else {
                    throw fail("a linear layer reads C×1×1; its input is \(Self.describe(x)) (flatten it first)")
                }
                guard (1...Self.maxWidth).contains(outputs) else { throw fail("outputs must be 1 to \(Self.maxWidth)") }
                out = Buffer(height: x.height, width: x.width, channels: outputs)
                parameters.append(
                    Parameter(
                        layer: layer.name, suffix: "weight", shape: [outputs, x.channels], role: .weight(fanIn: x.channels),
                        outputBuffer: to, inputBuffer: from))
                if bias {
                    parameters.append(
                        Parameter(
                            layer: layer.name, suffix: "bias", shape: [outputs], role: .bias(fanIn: x.channels), outputBuffer: to)
                    )
                }
            case .positionEmbedding:
                out = x
                // Its channels are axis 1: the buffer's units index that axis, as a weight's inputs do.
                parameters.append(
                    Parameter(
                        layer: layer.name, suffix: "weight", shape: [x.height * x.width, x.channels], role: .embedding,
                        inputBuffer: to))
            case .attention(let heads):
                let (k, v) = (buffers[layer.inputs[1]], buffers[layer.inputs[2]])
                guard x == k, x == v else {
                    throw fail(
                        "reads queries \(Self.describe(x)), keys \(Self.describe(k)) and values \(Self.describe(v)); "
                            + "the shapes must be equal")
                }
                guard Set(layer.inputs).count == 3 else {
                    throw fail("queries, keys and values must be three different layers' outputs")
                }
                guard heads >= 1, x.channels % heads == 0 else {
                    throw fail("\(heads) heads need a channel count divisible by \(heads); its inputs have \(x.channels)")
                }
                out = x
            case .conv(let channels, let kernel, let stride, let padding, let bias):
                guard (1...Self.maxWidth).contains(channels) else { throw fail("channels must be 1 to \(Self.maxWidth)") }
                guard (1...15).contains(kernel), (1...8).contains(stride), (0..<kernel).contains(padding) else {
                    throw fail("kernel must be 1 to 15, stride 1 to 8 and padding 0 to kernel − 1")
                }
                let height = (x.height + 2 * padding - kernel) / stride + 1
                let width = (x.width + 2 * padding - kernel) / stride + 1
                guard x.height + 2 * padding >= kernel, x.width + 2 * padding >= kernel else {
                    throw fail("a \(kernel)×\(kernel) kernel does not fit its \(Self.describe(x)) input")
                }
                out = Buffer(height: height, width: width, channels: channels)
                let fanIn = x.channels * kernel * kernel
                parameters.append(
                    Parameter(
                        layer: layer.name, suffix: "weight", shape: [channels, x.channels, kernel, kernel],
                        role: .weight(fanIn: fanIn), outputBuffer: to, inputBuffer: from))
                if bias {
                    parameters.append(
                        Parameter(
                            layer: layer.name, suffix: "bias", shape: [channels], role: .bias(fanIn: fanIn), outputBuffer: to))
                }
            case .norm(let kind):
                if case .group(let groups) = kind {
                    guard groups >= 1 else { throw fail("GroupNorm needs at least one group; got \(groups)") }
                    guard x.channels % groups == 0 else {
                        throw fail(
                            "GroupNorm with \(groups) groups needs a channel count divisible by \(groups); "
                                + "its input has \(x.channels) channels")
                    }
                }
                out = x
                let c = [x.channels]
                parameters.append(Parameter(layer: layer.name, suffix: "weight", shape: c, role: .scale, outputBuffer: to))
                parameters.append(Parameter(layer: layer.name, suffix: "bias", shape: c, role: .shift, outputBuffer: to))
                if kind == .batch {
                    parameters.append(
                        Parameter(layer: layer.name, suffix: "running_mean", shape: c, role: .runningMean, outputBuffer: to))
                    parameters.append(
                        Parameter(layer: layer.name, suffix: "running_var", shape: c, role: .runningVariance, outputBuffer: to))
                }
            case .relu, .gelu:
                out = x
            case .maxPool(let kernel), .averagePool(let kernel):
                guard kernel >= 1, kernel <= x.height, kernel <= x.width else {
                    throw fail("a \(kernel)×\(kernel) pool does not fit its \(Self.describe(x)) input")
                }
                if case .maxPool = layer.operation, kernel != 2 {
                    throw fail("max pooling takes 2×2 windows (kernel 2); got \(kernel)")
                }
                out = Buffer(height: x.height / kernel, width: x.width / kernel, channels: x.channels)
            case .globalAveragePool:
                out = Buffer(height: 1, width: 1, channels: x.channels)
            case .flatten:
                out = Buffer(height: 1, width: 1, channels: x.size)
            case .add:
                let y = buffers[layer.inputs[1]]
                guard x == y else {
                    throw fail("adds a \(Self.describe(x)) buffer to a \(Self.describe(y)) one; the shapes must be equal")
                }
                out = x
            }
            guard out.size <= Self.maxBufferSize else {
                throw fail("its output \(Self.describe(out)) exceeds \(Self.maxBufferSize) values per example")
            }
            buffers.append(out)
        }
        let readers = Self.readers(architecture.layers, buffers: buffers.count)
        if let unread = (1..<buffers.count - 1).first(where: { readers[$0] == 0 }) {
            let name = architecture.layers[unread - 1].name
            throw ArchitectureError(layer: unread - 1, "layer '\(name)': its output is never read")
        }
        let total = parameters.reduce(0) { $0 + $1.shape.reduce(1, *) }
        guard total <= Self.maxParameters else {
            throw ArchitectureError(layer: nil, "the model has \(total) parameters; at most \(Self.maxParameters) are supported")
        }
        self.buffers = buffers
        self.parameters = parameters
    }

    /// The largest width of a layer: far beyond any network a CPU trains, small enough for Int32 indices.
    static let maxWidth = 1 << 16
    /// Values per example in one buffer.
    static let maxBufferSize = 1 << 24
    /// Parameters in all.
    static let maxParameters = 1 << 30

    /// `C×H×W`, as error messages and PyTorch write shapes.
    static func describe(_ buffer: Buffer) -> String { "\(buffer.channels)×\(buffer.height)×\(buffer.width)" }

    /// The layers in order, with the buffers they read and write.
    var operations: [(layer: Architecture.Layer, from: Int, to: Int)] {
        architecture.layers.enumerated().map { ($1, $1.inputs[0], $0 + 1) }
    }

    /// The logits' width.
    public var classes: Int { buffers[buffers.count - 1].size }

    /// The weights pruning ranks and masks (every linear and convolution weight, the output layer last).
    var prunableWeightNames: [String] {
        parameters.compactMap { parameter in
            if case .weight = parameter.role { return parameter.name }
            return nil
        }
    }

    /// Multiply-adds ×2 of one example's forward pass (convolutions and linear layers).
    public var forwardFlopsPerExample: Double {
        var flops = 0.0
        for (layer, from, to) in operations {
            switch layer.operation {
            case .conv(_, let kernel, _, _, _):
                flops += 2 * Double(buffers[to].size * buffers[from].channels * kernel * kernel)
            case .linear(let outputs, _): flops += 2 * Double(buffers[from].channels * outputs)
            case .tokenLinear(let outputs, _): flops += 2 * Double(buffers[from].size * outputs)
            case .attention:
                // q kᵀ and P v: 2 · tokens² · channels multiply-adds.
                let b = buffers[from]
                flops += 4 * Double(b.height * b.width) * Double(b.size)
            case .norm, .relu, .gelu, .maxPool, .averagePool, .globalAveragePool, .flatten, .add, .positionEmbedding:
                continue
            }
        }
        return flops
    }

    /// How many layers read each buffer.
    private static func readers(_ layers: [Architecture.Layer], buffers: Int) -> [Int] {
        var readers = [Int](repeating: 0, count: buffers)
        for layer in layers { for buffer in layer.inputs { readers[buffer] += 1 } }
        return readers
    }

    /// Whether each buffer's gradient is needed: it depends on a trained parameter.
    var needsGradient: [Bool] {
        var needs = [Bool](repeating: false, count: buffers.count)
        for (layer, _, to) in operations {
            let trained: Bool
            switch layer.operation {
            case .linear, .tokenLinear, .conv, .norm, .positionEmbedding: trained = true
            case .relu, .gelu, .maxPool, .averagePool, .globalAveragePool, .flatten, .add, .attention: trained = false
            }
            needs[to] = trained || layer.inputs.contains { needs[$0] }
        }
        return needs
    }

    /// The geometry of a convolution reading buffer `from`, over `batch` samples.
    func convolutionGeometry(
        from: Int, batch: Int, _ channels: Int, _ kernel: Int, _ stride: Int, _ padding: Int
    ) -> Convolution.Geometry {
        let b = buffers[from]
        return Convolution.Geometry(
            batch: batch, height: b.height, width: b.width, inChannels: b.channels, outChannels: channels, kernel: kernel,
            stride: stride, padding: padding)
    }

    /// Indices of the layers (norms, biased linear layers, additions) whose output is read only by the next
    /// layer, a ReLU: the forward pass computes such a pair in one sweep, writing only the ReLU's output
    /// (backward reads the ReLU's output and the layer's input, never the layer's own output).
    var fusedWithReLU: Set<Int> {
        let readers = Self.readers(architecture.layers, buffers: buffers.count)
        var fused = Set<Int>()
        let layers = architecture.layers
        for i in layers.indices.dropLast() where layers[i + 1].operation == .relu && layers[i + 1].inputs == [i + 1] {
            switch layers[i].operation {
            case .norm, .linear(_, bias: true), .add: if readers[i + 1] == 1 { fused.insert(i) }
            case .linear(_, bias: false), .tokenLinear, .conv, .relu, .gelu, .maxPool, .averagePool, .globalAveragePool,
                .flatten, .positionEmbedding, .attention:
                continue
            }
        }
        return fused
    }

    /// For each linear layer that reads a ReLU's output and is its only reader, that ReLU's index: backward
    /// masks the linear layer's dx with the ReLU's output in place and skips the ReLU (one pass fewer).
    var reluBeforeLinear: [Int: Int] {
        let readers = Self.readers(architecture.layers, buffers: buffers.count)
        var pairs: [Int: Int] = [:]
        for (i, layer) in architecture.layers.enumerated() {
            guard case .linear = layer.operation, let from = layer.inputs.first, from > 0, readers[from] == 1,
                architecture.layers[from - 1].operation == .relu
            else { continue }
            pairs[i] = from - 1
        }
        return pairs
    }
}

extension LayerProgram {
    /// Every tensor's name and shape, in state-dict order.
    public var tensorShapes: [(name: String, shape: [Int])] { parameters.map { ($0.name, $0.shape) } }

    /// The shape of the last buffer: the logits'.
    public var outputShape: ImageShape {
        let last = buffers[buffers.count - 1]
        return ImageShape(channels: last.channels, height: last.height, width: last.width)
    }
}
