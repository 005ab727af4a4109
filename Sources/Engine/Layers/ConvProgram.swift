/// A convolutional network as a straight-line program over activation buffers.
///
/// Buffer 0 is the input image; every operation writes one new buffer, so backward can walk the
/// operations in reverse with every input still at hand. Shapes are per sample, NHWC.
struct ConvProgram: Sendable {
    struct Buffer: Sendable {
        var height: Int
        var width: Int
        var channels: Int
        var size: Int { height * width * channels }
    }

    struct ConvLayer: Sendable {
        var prefix: String
        var inChannels: Int
        var outChannels: Int
        var kernel: Int
        var stride: Int
        var hasBias: Bool
    }

    enum Operation: Sendable {
        case conv(ConvLayer, from: Int, to: Int)
        case norm(prefix: String, kind: Normalization.Kind, from: Int, to: Int)
        case relu(from: Int, to: Int)
        case maxPool(from: Int, to: Int)
        case add(Int, Int, to: Int)
        case average(from: Int, to: Int)
        case linear(prefix: String, inputs: Int, outputs: Int, from: Int, to: Int)

        /// The buffers the operation reads.
        var inputs: [Int] {
            switch self {
            case .conv(_, let from, _), .norm(_, _, let from, _), .relu(let from, _), .maxPool(let from, _),
                .average(let from, _), .linear(_, _, _, let from, _):
                [from]
            case .add(let a, let b, _): [a, b]
            }
        }
    }

    /// A tensor the program reads, with how it is initialised and which buffer's channels index axis 0 / 1.
    struct Parameter: Sendable {
        enum Role: Sendable {
            case weight(fanIn: Int), bias(fanIn: Int), scale, shift, runningMean, runningVariance
        }
        var name: String
        var shape: [Int]
        var role: Role
        /// Buffer whose channels index axis 0 (nil for the logits, which are never permuted).
        var outputBuffer: Int?
        /// Buffer whose channels index axis 1, for weights.
        var inputBuffer: Int?
        var trained: Bool {
            switch role {
            case .runningMean, .runningVariance: false
            default: true
            }
        }
    }

    /// The `.weight` parameters (convolution kernels, then the classifier's), in program order.
    var prunableWeightNames: [String] {
        parameters.compactMap { parameter in
            if case .weight = parameter.role { return parameter.name }
            return nil
        }
    }

    /// Indices of the norms whose output is read by the next operation, a ReLU, and by nothing else: the
    /// forward pass computes such a pair in one sweep, writing only the ReLU's output (backward reads
    /// the ReLU's output and the norm's input, never the norm's output).
    var normsFusedWithReLU: Set<Int> {
        var readers = [Int](repeating: 0, count: buffers.count)
        for operation in operations { for buffer in operation.inputs { readers[buffer] += 1 } }
        var fused = Set<Int>()
        for (i, operation) in operations.enumerated().dropLast() {
            guard case .norm(_, _, _, let to) = operation, case .relu(let from, _) = operations[i + 1] else { continue }
            if from == to && readers[to] == 1 { fused.insert(i) }
        }
        return fused
    }

    private(set) var buffers: [Buffer]
    private(set) var operations: [Operation] = []
    private(set) var parameters: [Parameter] = []
    let norm: Normalization.Kind?

    init(_ architecture: ConvArchitecture) {
        buffers = [Buffer(height: architecture.height, width: architecture.width, channels: architecture.channels)]
        norm = architecture.norm.kind
        var x = 0
        switch architecture.body {
        case .vgg(let items):
            var convs = 0
            for item in items {
                if let width = item {
                    convs += 1
                    x = convNormReLU(x, prefix: "conv\(convs)", normPrefix: "norm\(convs)", width: width)
                } else {
                    x = append(
                        .maxPool(from: x, to: buffers.count),
                        Buffer(height: buffers[x].height / 2, width: buffers[x].width / 2, channels: buffers[x].channels))
                }
            }
        case .resnet(let stages, let blocks, let width):
            x = convNormReLU(x, prefix: "stem.conv", normPrefix: "stem.norm", width: width)
            for s in 0..<stages {
                for b in 0..<blocks {
                    let p = "layer\(s + 1).\(b + 1)"
                    let out = width << s
                    let stride = s > 0 && b == 0 ? 2 : 1
                    var y = conv(x, prefix: p + ".conv1", width: out, kernel: 3, stride: stride)
                    y = normalise(y, prefix: p + ".norm1")
                    y = append(.relu(from: y, to: buffers.count), buffers[y])
                    y = conv(y, prefix: p + ".conv2", width: out, kernel: 3, stride: 1)
                    y = normalise(y, prefix: p + ".norm2")
                    var shortcut = x
                    if stride != 1 || buffers[x].channels != out {
                        shortcut = conv(x, prefix: p + ".shortcut.conv", width: out, kernel: 1, stride: stride)
                        shortcut = normalise(shortcut, prefix: p + ".shortcut.norm")
                    }
                    let sum = append(.add(y, shortcut, to: buffers.count), buffers[y])
                    x = append(.relu(from: sum, to: buffers.count), buffers[sum])
                }
            }
        }
        let pooled = append(.average(from: x, to: buffers.count), Buffer(height: 1, width: 1, channels: buffers[x].channels))
        let features = buffers[pooled].channels
        // The logits: the last buffer.
        _ = append(
            .linear(prefix: "fc", inputs: features, outputs: architecture.classes, from: pooled, to: buffers.count),
            Buffer(height: 1, width: 1, channels: architecture.classes))
        parameters.append(
            Parameter(
                name: "fc.weight", shape: [architecture.classes, features], role: .weight(fanIn: features), inputBuffer: pooled))
        parameters.append(Parameter(name: "fc.bias", shape: [architecture.classes], role: .bias(fanIn: features)))
    }

    private mutating func append(_ operation: Operation, _ buffer: Buffer) -> Int {
        operations.append(operation)
        buffers.append(buffer)
        return buffers.count - 1
    }

    private mutating func convNormReLU(_ x: Int, prefix: String, normPrefix: String, width: Int) -> Int {
        let y = normalise(conv(x, prefix: prefix, width: width, kernel: 3, stride: 1), prefix: normPrefix)
        return append(.relu(from: y, to: buffers.count), buffers[y])
    }

    /// A convolution with "same" padding (kernel / 2); biased only when no normalisation follows.
    private mutating func conv(_ x: Int, prefix: String, width: Int, kernel: Int, stride: Int) -> Int {
        let input = buffers[x]
        let layer = ConvLayer(
            prefix: prefix, inChannels: input.channels, outChannels: width, kernel: kernel, stride: stride, hasBias: norm == nil)
        let padding = kernel / 2
        let out = Buffer(
            height: (input.height + 2 * padding - kernel) / stride + 1, width: (input.width + 2 * padding - kernel) / stride + 1,
            channels: width)
        let y = append(.conv(layer, from: x, to: buffers.count), out)
        let fanIn = input.channels * kernel * kernel
        parameters.append(
            Parameter(
                name: prefix + ".weight", shape: [width, input.channels, kernel, kernel], role: .weight(fanIn: fanIn),
                outputBuffer: y, inputBuffer: x))
        if layer.hasBias {
            parameters.append(Parameter(name: prefix + ".bias", shape: [width], role: .bias(fanIn: fanIn), outputBuffer: y))
        }
        return y
    }

    private mutating func normalise(_ x: Int, prefix: String) -> Int {
        guard let norm else { return x }
        let y = append(.norm(prefix: prefix, kind: norm, from: x, to: buffers.count), buffers[x])
        let c = buffers[x].channels
        parameters.append(Parameter(name: prefix + ".weight", shape: [c], role: .scale, outputBuffer: y))
        parameters.append(Parameter(name: prefix + ".bias", shape: [c], role: .shift, outputBuffer: y))
        if norm == .batch {
            parameters.append(Parameter(name: prefix + ".running_mean", shape: [c], role: .runningMean, outputBuffer: y))
            parameters.append(Parameter(name: prefix + ".running_var", shape: [c], role: .runningVariance, outputBuffer: y))
        }
        return y
    }
}
