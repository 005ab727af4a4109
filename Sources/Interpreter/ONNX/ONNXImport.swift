import DSL

/// An ONNX graph mapped onto lmc's layers: the same `[LayerSpec]` a model declared in a spec has, so
/// everything downstream (shapes, permutation groups, training, alignment) treats both alike.
///
/// The walk follows the graph in dependency order with a value per ONNX tensor name: an activation (a
/// layer's output), a constant, a shape computed in the graph (`Shape`, `Gather`, `Concat`: how exporters
/// spell "flatten"), or a step of a pattern that becomes one layer when complete (`MatMul` then `Add` is a
/// linear layer; `Reshape`, `InstanceNormalization`, `Reshape`, `Mul`, `Add` is a GroupNorm). Anything
/// else is an error naming the node: nothing is skipped.
struct ONNXImport {
    /// The layers, in program order.
    var layers: [LayerSpec]
    /// The graph input's channels, height and width.
    var input: [Int]
    /// lmc's tensor name → the initializer holding it.
    var tensors: [String: ONNXModelSpec.TensorSource]

    /// What every "not supported" error adds.
    static let notes = "lmc maps \(supported)"
    static let supported =
        "Conv, Gemm, MatMul followed by Add, Relu, Gelu (exact), BatchNormalization, LayerNormalization, GroupNormalization, "
        + "InstanceNormalization (and the Reshape, InstanceNormalization, Reshape, Mul, Add of a GroupNorm), "
        + "MaxPool (2×2), AveragePool, GlobalAveragePool, ReduceMean over positions, Flatten, the Reshape that "
        + "flattens, Add, Identity and Dropout, with Constant, Shape, Gather, Unsqueeze, Squeeze, Concat and Cast "
        + "computing shapes"

    /// An activation: the layer that writes it (`input` for the image) and its per-sample shape.
    struct Activation {
        var layer: String
        var channels: Int, height: Int, width: Int
        /// Whether the ONNX tensor is `[N, C]` (after a flatten) rather than `[N, C, H, W]`.
        var flat: Bool
        var size: Int { channels * height * width }
        var dims: [Int] { flat ? [size] : [channels, height, width] }
    }

    /// One dimension of a shape computed in the graph.
    enum Dimension: Equatable {
        case batch
        case known(Int)
    }

    enum Value {
        case activation(Activation)
        /// A constant; `name` is the initializer's when it is one (a Constant node's value has none).
        case constant(ONNXGraph.Initializer, name: String?)
        case shape([Dimension])
        /// x·W waiting for the Add of its bias: x, the weight's initializer, its output count.
        case product(Activation, weight: String, outputs: Int)
        /// A GroupNorm under way: x, the group count, and the step reached.
        case groupNorm(Activation, groups: Int, step: GroupNormStep)
    }

    enum GroupNormStep {
        /// Reshaped to `[N, G, -1]`, normalised by InstanceNormalization, reshaped back, times its weight.
        case grouped, normalized, restored, scaled(weight: String)
    }

    private let graph: ONNXGraph
    private var values: [String: Value] = [:]
    private var names = Set<String>()
    private var node: ONNXGraph.Node

    /// Maps `graph` onto layers.
    ///
    /// - Throws: `ONNXError` naming the first node lmc cannot map, and what it would need.
    init(_ graph: ONNXGraph) throws(ONNXError) {
        self.graph = graph
        self.layers = []
        self.tensors = [:]
        self.node = ONNXGraph.Node(name: "", opType: "", inputs: [], outputs: [], attributes: [:])
        let dims = graph.input.dims
        guard dims.count == 4, let c = dims[1], let h = dims[2], let w = dims[3] else {
            throw ONNXError(
                file: graph.file,
                "the graph's input '\(graph.input.name)' is \(ONNXGraph.describe(dims)); lmc reads images [N, C, H, W] "
                    + "of known C, H and W (export with an example input shaped like the dataset's images and flatten "
                    + "inside the model)")
        }
        guard c <= 1 << 16, h <= 1 << 16, w <= 1 << 16, c * h * w <= 1 << 24 else {
            throw ONNXError(file: graph.file, "the graph's input \(ONNXGraph.describe(dims)) is too large")
        }
        self.input = [c, h, w]
        for (name, initializer) in graph.initializers { values[name] = .constant(initializer, name: name) }
        values[graph.input.name] = .activation(
            Activation(layer: LayerSpec.input, channels: c, height: h, width: w, flat: false))
        for node in graph.nodes {
            self.node = node
            try map(node)
        }
        guard case .activation(let logits)? = values[graph.output], logits.flat else {
            throw ONNXError(file: graph.file, "the graph's output '\(graph.output)' is not the logits, a 2-d [N, classes] tensor")
        }
        guard logits.layer == layers.last?.name else {
            throw ONNXError(file: graph.file, "the graph's output '\(graph.output)' is not written by its last layer")
        }
        // A layer program runs every layer, so each must feed the output: a dead branch is an error here,
        // naming it, rather than a misfit `lmc check` would report without the file.
        var read = Set<String>()
        for (i, layer) in layers.enumerated() {
            read.formUnion(layer.inputs.isEmpty ? [i == 0 ? LayerSpec.input : layers[i - 1].name] : layer.inputs)
        }
        if let dead = layers.dropLast().first(where: { !read.contains($0.name) }) {
            throw ONNXError(
                file: graph.file,
                "nothing reads the output of layer '\(dead.name)' on the way to '\(graph.output)': lmc imports graphs "
                    + "whose every layer feeds the logits")
        }
    }

    // MARK: - Nodes

    private mutating func map(_ node: ONNXGraph.Node) throws(ONNXError) {
        switch node.opType {
        case "Identity", "Dropout":
            if case .constant(let t, _?) = try value(0), let output = node.outputs.first {
                // The TorchScript exporter stores equal initializers once and aliases the others by name.
                return try set(.constant(t, name: output))
            }
            try set(try value(0))
        case "LogSoftmax" where node.outputs == [graph.output]:
            // lmc's loss is cross-entropy on the logits; log-softmax before it changes nothing.
            let axis = try int("axis", default: -1)
            guard axis == -1 || axis == 1 else { throw fail("a final LogSoftmax must be over the classes (axis 1)") }
            try set(.activation(try activation(0)))
        case "Constant":
            guard case .tensor(let t)? = node.attributes["value"] else { throw fail("a Constant without a tensor value") }
            try set(.constant(t, name: nil))
        case "Shape":
            let dims: [Dimension] = [.batch] + (try activation(0)).dims.map { .known($0) }
            func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + dims.count : i, 0), dims.count) }
            let (start, end) = (clamp(try int("start", default: 0)), clamp(try int("end", default: dims.count)))
            try set(.shape(start < end ? Array(dims[start..<end]) : []))
        case "Gather":
            try set(.shape(try gather()))
        case "Unsqueeze":
            guard case .constant(var unsqueezed, let name?) = try value(0) else { return try set(.shape(try shape(0))) }
            // A named weight given trailing unit axes to broadcast over positions (a GroupNorm's affine).
            for axis in (try axes() ?? []).sorted() {
                let a = axis < 0 ? axis + unsqueezed.dims.count + 1 : axis
                guard (0...unsqueezed.dims.count).contains(a) else { throw fail("axis \(axis) is out of range") }
                unsqueezed.dims.insert(1, at: a)
            }
            try set(.constant(unsqueezed, name: name))
        case "Squeeze", "Cast":
            try set(.shape(try shape(0)))
        case "Concat":
            var parts: [Dimension] = []
            for i in node.inputs.indices {
                if case .activation = try value(i) { throw fail("a Concat of activations is not supported; \(Self.notes)") }
                parts += try shape(i)
            }
            guard try int("axis", default: 0) == 0 else { throw fail("a Concat of shapes is along axis 0") }
            try set(.shape(parts))
        case "Conv": try conv()
        case "Gemm": try gemm()
        case "MatMul": try matMul()
        case "Add": try add()
        case "Mul": try mul()
        case "Relu":
            let x = try activation(0)
            try emit(.relu, reading: [x], shape: x)
        case "Gelu":
            switch node.attributes["approximate"] {
            case nil, .string("none")?: break
            default: throw fail("lmc's gelu is the exact form (approximate=\"none\"); this one approximates it")
            }
            let x = try activation(0)
            try emit(.gelu, reading: [x], shape: x)
        case "BatchNormalization": try batchNorm()
        case "InstanceNormalization": try instanceNorm()
        case "GroupNormalization": try groupNormalization()
        case "LayerNormalization": try layerNorm()
        case "MaxPool", "AveragePool": try pool()
        case "GlobalAveragePool":
            let x = try activation(0)
            guard !x.flat else { throw fail("its input is not an image") }
            try emit(.globalAveragePool, reading: [x], shape: reshaped(x, x.channels, 1, 1, flat: false))
        case "ReduceMean": try reduceMean()
        case "Flatten":
            guard try int("axis", default: 1) == 1 else { throw fail("only axis 1 is supported (keep the batch)") }
            try flatten(try activation(0))
        case "Reshape": try reshape()
        default:
            throw fail("operator \(node.opType) is not supported; \(Self.notes)")
        }
    }

    private mutating func conv() throws(ONNXError) {
        let x = try activation(0)
        let (weightName, weight) = try initializer(1, "the weight")
        guard !x.flat, weight.dims.count == 4, weight.dims[1] == x.channels, weight.dims[2] == weight.dims[3] else {
            throw fail(
                "a 2-d convolution of a \(x.channels)-channel image needs a [out, \(x.channels), k, k] weight; "
                    + "got \(ONNXGraph.describe(weight.dims)) on \(ONNXGraph.describe(x.dims))")
        }
        let (channels, kernel) = (weight.dims[0], weight.dims[2])
        guard try int("group", default: 1) == 1 else { throw fail("grouped convolutions (group > 1) are not supported") }
        guard try ints("dilations", default: [1, 1]) == [1, 1] else { throw fail("dilated convolutions are not supported") }
        try requireNoAutoPad()
        if let shape = try ints("kernel_shape", default: nil), shape != [kernel, kernel] {
            throw fail("kernel_shape \(shape) does not match the weight's \(kernel)×\(kernel)")
        }
        let strides = try ints("strides", default: [1, 1]) ?? [1, 1]
        let pads = try ints("pads", default: [0, 0, 0, 0]) ?? []
        guard strides.count == 2, strides[0] == strides[1], pads.count == 4, Set(pads).count == 1 else {
            throw fail("strides \(strides) and pads \(pads): lmc's convolutions have one stride and one padding on every side")
        }
        let (stride, padding) = (strides[0], pads[0])
        guard (1...8).contains(stride), (0..<kernel).contains(padding), x.height + 2 * padding >= kernel,
            x.width + 2 * padding >= kernel
        else { throw fail("stride \(stride), padding \(padding) and kernel \(kernel) do not fit a \(x.height)×\(x.width) image") }
        var owned = [("weight", weightName, false)]
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            let (biasName, bias) = try initializer(2, "the bias")
            guard bias.count == channels else { throw fail("the bias has \(bias.count) values for \(channels) channels") }
            owned.append(("bias", biasName, false))
        }
        let out = reshaped(
            x, channels, (x.height + 2 * padding - kernel) / stride + 1, (x.width + 2 * padding - kernel) / stride + 1,
            flat: false)
        try emit(
            .conv(channels: channels, kernel: kernel, stride: stride, padding: padding, bias: owned.count == 2), reading: [x],
            shape: out, tensors: owned)
    }

    private mutating func gemm() throws(ONNXError) {
        let x = try activation(0)
        let (weightName, weight) = try initializer(1, "B")
        guard try int("transA", default: 0) == 0 else { throw fail("transA = 1 is not supported (A must be the activations)") }
        guard try float("alpha", default: 1) == 1, try float("beta", default: 1) == 1 else {
            throw fail("alpha and beta other than 1 are not supported")
        }
        let transposed = try int("transB", default: 0) == 0
        guard x.flat, weight.dims.count == 2, weight.dims[transposed ? 0 : 1] == x.size else {
            throw fail(
                "a Gemm of \(ONNXGraph.describe(x.dims)) activations and a \(ONNXGraph.describe(weight.dims)) B do not fit")
        }
        let outputs = weight.dims[transposed ? 1 : 0]
        var owned = [("weight", weightName, transposed)]
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            let (biasName, bias) = try initializer(2, "C")
            guard bias.count == outputs, bias.dims.last == outputs else {
                throw fail("C \(ONNXGraph.describe(bias.dims)) is not one bias per output (\(outputs))")
            }
            owned.append(("bias", biasName, false))
        }
        try emit(
            .linear(outputs: outputs, bias: owned.count == 2), reading: [x], shape: reshaped(x, outputs, 1, 1, flat: true),
            tensors: owned)
    }

    private mutating func matMul() throws(ONNXError) {
        let x = try activation(0)
        let (weightName, weight) = try initializer(1, "the weight")
        guard x.flat, weight.dims.count == 2, weight.dims[0] == x.size else {
            throw fail(
                "a MatMul of \(ONNXGraph.describe(x.dims)) activations and a \(ONNXGraph.describe(weight.dims)) weight do not fit"
            )
        }
        try set(.product(x, weight: weightName, outputs: weight.dims[1]))
    }

    private mutating func add() throws(ONNXError) {
        let (a, b) = (try value(0), try value(1))
        switch (a, b) {
        case (.activation, .activation):
            let (x, y) = (try activation(0), try activation(1))
            guard x.dims == y.dims else {
                throw fail("adds \(ONNXGraph.describe(x.dims)) to \(ONNXGraph.describe(y.dims)); the shapes must be equal")
            }
            try emit(.add, reading: [x, y], shape: x)
        case (.product(let x, let weight, let outputs), .constant(let bias, let name?)),
            (.constant(let bias, let name?), .product(let x, let weight, let outputs)):
            guard bias.count == outputs, bias.dims.last == outputs else {
                throw fail("the bias \(ONNXGraph.describe(bias.dims)) is not one value per output (\(outputs))")
            }
            try emit(
                .linear(outputs: outputs, bias: true), reading: [x], shape: reshaped(x, outputs, 1, 1, flat: true),
                tensors: [("weight", weight, true), ("bias", name, false)])
        case (.groupNorm(let x, let groups, .scaled(let weight)), .constant(let bias, let name?)):
            guard perChannel(bias, x) else {
                throw fail("the GroupNorm's bias \(ONNXGraph.describe(bias.dims)) is not one value per channel")
            }
            try emit(
                .norm(.group(groups)), reading: [x], shape: x, tensors: [("weight", weight, false), ("bias", name, false)])
        default:
            throw fail(
                "an Add of these inputs is not supported: lmc adds two activations of one shape, a linear "
                    + "layer's bias, or a GroupNorm's shift")
        }
    }

    private mutating func mul() throws(ONNXError) {
        guard case .groupNorm(let x, let groups, .restored) = try value(0), case .constant(let weight, let name?) = try value(1),
            perChannel(weight, x)
        else { throw fail("a Mul is supported only as a GroupNorm's per-channel scale") }
        try set(.groupNorm(x, groups: groups, step: .scaled(weight: name)))
    }

    private mutating func batchNorm() throws(ONNXError) {
        let x = try activation(0)
        guard node.outputs.dropFirst().allSatisfy(\.isEmpty), try int("training_mode", default: 0) == 0 else {
            throw fail(
                "a BatchNormalization in training mode (training_mode = 1) is not supported: export the module in eval mode")
        }
        try requireEpsilon()
        var owned: [(String, String, Bool)] = []
        for (i, suffix) in ["weight", "bias", "running_mean", "running_var"].enumerated() {
            let (name, tensor) = try initializer(i + 1, suffix)
            guard tensor.count == x.channels else {
                throw fail("\(suffix) has \(tensor.count) values for \(x.channels) channels")
            }
            owned.append((suffix, name, false))
        }
        try emit(.norm(.batch), reading: [x], shape: x, tensors: owned)
    }

    private mutating func instanceNorm() throws(ONNXError) {
        try requireEpsilon()
        switch try value(0) {
        case .groupNorm(let x, let groups, .grouped):
            // The exporters' GroupNorm: per-group statistics here, the per-channel affine after.
            let (scale, bias) = (try constant(1, "the scale"), try constant(2, "the bias"))
            guard scale.count == groups, bias.count == groups, scale.floats?.allSatisfy({ $0 == 1 }) == true,
                bias.floats?.allSatisfy({ $0 == 0 }) == true
            else { throw fail("a GroupNorm's InstanceNormalization must have unit scale and zero bias") }
            try set(.groupNorm(x, groups: groups, step: .normalized))
        case .activation(let x) where !x.flat:
            // InstanceNorm with an affine is GroupNorm with a group per channel.
            let (scaleName, scale) = try initializer(1, "the scale")
            let (biasName, bias) = try initializer(2, "the bias")
            guard scale.count == x.channels, bias.count == x.channels else {
                throw fail("the scale and bias must have one value per channel (\(x.channels))")
            }
            try emit(
                .norm(.group(x.channels)), reading: [x], shape: x,
                tensors: [("weight", scaleName, false), ("bias", biasName, false)])
        default:
            throw fail("an InstanceNormalization reads an image, or a GroupNorm's [N, G, -1] reshape")
        }
    }

    private mutating func groupNormalization() throws(ONNXError) {
        let x = try activation(0)
        try requireEpsilon()
        guard let groups = try int("num_groups", default: nil), groups >= 1, x.channels % groups == 0 else {
            throw fail("num_groups must divide the \(x.channels) channels")
        }
        let (scaleName, scale) = try initializer(1, "the scale")
        let (biasName, bias) = try initializer(2, "the bias")
        guard scale.count == x.channels, bias.count == x.channels else {
            throw fail(
                "the scale and bias must have one value per channel (\(x.channels)); per-group ones (opset 18-20) "
                    + "are not supported: export with opset 21 or later, or let the exporter decompose the GroupNorm")
        }
        try emit(
            .norm(.group(groups)), reading: [x], shape: x, tensors: [("weight", scaleName, false), ("bias", biasName, false)])
    }

    private mutating func layerNorm() throws(ONNXError) {
        let x = try activation(0)
        let axis = try int("axis", default: -1)
        guard x.flat, axis == -1 || axis == 1 else {
            throw fail("LayerNormalization is supported over the features of a [N, C] tensor (axis -1)")
        }
        try requireEpsilon()
        guard node.inputs.count > 2, !node.inputs[2].isEmpty else { throw fail("a LayerNormalization without a bias") }
        let (scaleName, scale) = try initializer(1, "the scale")
        let (biasName, bias) = try initializer(2, "the bias")
        guard scale.count == x.size, bias.count == x.size else {
            throw fail("the scale and bias must have one value per feature")
        }
        try emit(.norm(.layer), reading: [x], shape: x, tensors: [("weight", scaleName, false), ("bias", biasName, false)])
    }

    private mutating func pool() throws(ONNXError) {
        let x = try activation(0)
        let kernelShape = try ints("kernel_shape", default: nil) ?? []
        let strides = try ints("strides", default: [1, 1]) ?? []
        guard !x.flat, kernelShape.count == 2, kernelShape[0] == kernelShape[1], strides == kernelShape,
            try ints("pads", default: [0, 0, 0, 0]) == [0, 0, 0, 0], try int("ceil_mode", default: 0) == 0,
            try ints("dilations", default: [1, 1]) == [1, 1], node.outputs.dropFirst().allSatisfy(\.isEmpty)
        else {
            throw fail(
                "lmc pools over non-overlapping k×k windows without padding (stride = kernel); "
                    + "got kernel \(kernelShape), strides \(strides)")
        }
        try requireNoAutoPad()
        let kernel = kernelShape[0]
        guard kernel >= 1, kernel <= x.height, kernel <= x.width else { throw fail("a \(kernel)×\(kernel) pool does not fit") }
        if node.opType == "MaxPool" {
            guard kernel == 2 else { throw fail("max pooling is supported over 2×2 windows; got \(kernel)×\(kernel)") }
        }
        let out = reshaped(x, x.channels, x.height / kernel, x.width / kernel, flat: false)
        try emit(node.opType == "MaxPool" ? .maxPool(kernel: kernel) : .averagePool(kernel: kernel), reading: [x], shape: out)
    }

    private mutating func reduceMean() throws(ONNXError) {
        let x = try activation(0)
        let axes = try axes()
        let keep = try int("keepdims", default: 1) == 1
        guard !x.flat, let axes, Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3] else {
            throw fail("ReduceMean is supported over an image's positions (axes [2, 3]), as a global average pool")
        }
        try emit(.globalAveragePool, reading: [x], shape: reshaped(x, x.channels, 1, 1, flat: !keep))
    }

    private mutating func reshape() throws(ONNXError) {
        let target = try shape(1)
        switch try value(0) {
        case .activation(let x):
            let dims = try perSample(target, of: x)
            if dims.count == 1, dims[0] == x.size { return try flatten(x) }
            if dims.count == 2, !x.flat, dims[0] >= 1, x.channels % dims[0] == 0, dims[0] * dims[1] == x.size {
                return try set(.groupNorm(x, groups: dims[0], step: .grouped))
            }
            if dims == x.dims { return try set(.activation(x)) }
            throw fail(
                "a Reshape of \(ONNXGraph.describe(x.dims)) to \(ONNXGraph.describe(dims)) per example is not "
                    + "supported: lmc reshapes only to flatten (or inside a GroupNorm)")
        case .groupNorm(let x, let groups, .normalized):
            guard try perSample(target, of: x) == [x.channels, x.height, x.width] else {
                throw fail("a GroupNorm's second Reshape must restore its input's shape \(ONNXGraph.describe(x.dims))")
            }
            try set(.groupNorm(x, groups: groups, step: .restored))
        default:
            throw fail("a Reshape of this input is not supported")
        }
    }

    // MARK: - Layers

    /// Appends a layer reading `inputs`, named after its tensors where they share a prefix, and sets the
    /// node's output to its activation.
    private mutating func emit(
        _ operation: LayerSpec.Operation, reading inputs: [Activation], shape: Activation,
        tensors owned: [(suffix: String, initializer: String, transposed: Bool)] = []
    ) throws(ONNXError) {
        let name = layerName(owned)
        names.insert(name)
        for tensor in owned {
            tensors[name + "." + tensor.suffix] = .init(initializer: tensor.initializer, transposed: tensor.transposed)
        }
        let reads = inputs.map(\.layer)
        let previous = layers.last?.name ?? LayerSpec.input
        layers.append(
            LayerSpec(
                name: name, operation: operation, inputs: reads == [previous] ? [] : reads,
                location: SourceLocation(file: graph.file, line: 0, column: 0)))
        var out = shape
        out.layer = name
        try set(.activation(out))
    }

    /// The layer's name: its tensors' common prefix, or its node's name.
    ///
    /// The prefix is used when every tensor is `prefix.suffix` (`conv1.weight`, `conv1.bias`), as the
    /// exporters keep state-dict names. Always unique.
    private func layerName(_ owned: [(suffix: String, initializer: String, transposed: Bool)]) -> String {
        if let first = owned.first, first.initializer.hasSuffix("." + first.suffix) {
            let prefix = String(first.initializer.dropLast(first.suffix.count + 1))
            if owned.allSatisfy({ $0.initializer == prefix + "." + $0.suffix }), !prefix.isEmpty, !names.contains(prefix),
                prefix != LayerSpec.input
            {
                return prefix
            }
        }
        let base = node.name.hasPrefix("/") ? String(node.name.dropFirst()) : node.name
        var name = base.isEmpty ? "\(node.opType.lowercased())@\(layers.count + 1)" : base
        var n = 1
        while names.contains(name) || name == LayerSpec.input {
            n += 1
            name = base + "#\(n)"
        }
        return name
    }

    private mutating func flatten(_ x: Activation) throws(ONNXError) {
        if x.flat { return try set(.activation(x)) }
        // A C×1×1 image is already in flattened order: no layer needed.
        if x.height == 1 && x.width == 1 { return try set(.activation(reshaped(x, x.channels, 1, 1, flat: true))) }
        try emit(.flatten, reading: [x], shape: reshaped(x, x.size, 1, 1, flat: true))
    }

    private func reshaped(_ x: Activation, _ channels: Int, _ height: Int, _ width: Int, flat: Bool) -> Activation {
        Activation(layer: x.layer, channels: channels, height: height, width: width, flat: flat)
    }

    /// Whether `t` holds one value per channel of `x` (`[C]` or `[C, 1, 1]`).
    private func perChannel(_ t: ONNXGraph.Initializer, _ x: Activation) -> Bool {
        t.count == x.channels && t.dims.first == x.channels && t.floats != nil
    }

    /// A Reshape target's per-example dimensions, resolving 0 (copy) and −1 (infer).
    private func perSample(_ target: [Dimension], of x: Activation) throws(ONNXError) -> [Int] {
        let inputDims = [graph.input.dims.first ?? nil] + x.dims.map { Optional($0) }
        guard let first = target.first else { throw fail("an empty Reshape target") }
        let batchKept: Bool =
            switch first {
            case .batch: true
            case .known(0): true
            case .known(let n): n == -1 || n == graph.input.dims.first ?? nil
            }
        guard batchKept else { throw fail("a Reshape must keep the batch as its first dimension") }
        var dims: [Int] = []
        var infer: Int?
        for (i, d) in target.dropFirst().enumerated() {
            switch d {
            case .batch: throw fail("a Reshape moves the batch dimension")
            case .known(0):
                guard i + 1 < inputDims.count, let copied = inputDims[i + 1] else {
                    throw fail("a Reshape copies a missing dimension")
                }
                dims.append(copied)
            case .known(-1):
                guard infer == nil else { throw fail("a Reshape with two −1 dimensions") }
                infer = dims.count
                dims.append(1)
            case .known(let n):
                guard n >= 1, n <= 1 << 24 else { throw fail("a Reshape to dimension \(n)") }
                dims.append(n)
            }
        }
        if case .known(-1) = first, infer != nil { throw fail("a Reshape infers both the batch and another dimension") }
        let known = dims.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        if let infer {
            guard known > 0, x.size % known == 0 else { throw fail("a Reshape's −1 cannot be inferred") }
            dims[infer] = x.size / known
        } else if known != x.size {
            throw fail("a Reshape of \(x.size) values per example to \(ONNXGraph.describe(dims))")
        }
        return dims
    }

    // MARK: - Reading inputs and attributes

    private func fail(_ message: String) -> ONNXError { ONNXError(file: graph.file, node: node.label, message) }

    private mutating func set(_ value: Value) throws(ONNXError) {
        guard let output = node.outputs.first, !output.isEmpty else { throw fail("has no output") }
        values[output] = value
    }

    private func value(_ i: Int) throws(ONNXError) -> Value {
        guard i < node.inputs.count, !node.inputs[i].isEmpty, let value = values[node.inputs[i]] else {
            throw fail("input \(i + 1) is missing")
        }
        return value
    }

    /// Input `i` as an activation; a MatMul waiting for a bias becomes a linear layer without one.
    private mutating func activation(_ i: Int) throws(ONNXError) -> Activation {
        switch try value(i) {
        case .activation(let x): return x
        case .product(let x, let weight, let outputs):
            let saved = node
            defer { node = saved }
            node.outputs = [node.inputs[i]]
            try emit(
                .linear(outputs: outputs, bias: false), reading: [x], shape: reshaped(x, outputs, 1, 1, flat: true),
                tensors: [("weight", weight, true)])
            guard case .activation(let y)? = values[node.inputs[i]] else { throw fail("input \(i + 1) is missing") }
            return y
        default:
            throw fail("input \(i + 1) ('\(node.inputs[i])') is not an activation")
        }
    }

    /// A float constant: an initializer or a Constant node's value.
    private func constant(_ i: Int, _ what: String) throws(ONNXError) -> ONNXGraph.Initializer {
        guard case .constant(let tensor, _) = try value(i), tensor.floats != nil else {
            throw fail("\(what) ('\(node.inputs[i])') must be a float constant")
        }
        return tensor
    }

    /// A float initializer, with its name: a tensor the network trains or keeps.
    private func initializer(_ i: Int, _ what: String) throws(ONNXError) -> (String, ONNXGraph.Initializer) {
        let tensor = try constant(i, what)
        guard case .constant(_, let name?) = try value(i) else {
            throw fail("\(what) is a Constant node's value; lmc reads trained tensors from initializers")
        }
        return (name, tensor)
    }

    private func shape(_ i: Int) throws(ONNXError) -> [Dimension] {
        switch try value(i) {
        case .shape(let dims): return dims
        case .constant(let t, _):
            guard let integers = t.integers, t.dims.count <= 1 else { throw fail("input \(i + 1) is not a list of integers") }
            return integers.map { .known($0) }
        default: throw fail("input \(i + 1) ('\(node.inputs[i])') is not a shape")
        }
    }

    private func gather() throws(ONNXError) -> [Dimension] {
        let data = try shape(0)
        guard try int("axis", default: 0) == 0, case .constant(let t, _) = try value(1), let indices = t.integers else {
            throw fail("a Gather is supported on shapes, with constant indices")
        }
        var picked: [Dimension] = []
        for index in indices {
            let j = index < 0 ? index + data.count : index
            guard data.indices.contains(j) else { throw fail("index \(index) is out of range") }
            picked.append(data[j])
        }
        return picked
    }

    /// The `axes` attribute, or (from opset 13 for Unsqueeze, 18 for ReduceMean) the second input's values.
    private func axes() throws(ONNXError) -> [Int]? {
        if let axes = try ints("axes", default: nil) { return axes }
        guard node.inputs.count > 1, !node.inputs[1].isEmpty else { return nil }
        return try shape(1).map { if case .known(let a) = $0 { a } else { -99 } }
    }

    private func int(_ name: String, default value: Int?) throws(ONNXError) -> Int? {
        switch node.attributes[name] {
        case nil: return value
        case .int(let v): return v
        default: throw fail("attribute \(name) must be an integer")
        }
    }

    private func int(_ name: String, default value: Int) throws(ONNXError) -> Int {
        try int(name, default: Optional(value)) ?? value
    }

    private func ints(_ name: String, default value: [Int]?) throws(ONNXError) -> [Int]? {
        switch node.attributes[name] {
        case nil: return value
        case .ints(let v): return v
        default: throw fail("attribute \(name) must be a list of integers")
        }
    }

    private func float(_ name: String, default value: Float) throws(ONNXError) -> Float {
        switch node.attributes[name] {
        case nil: return value
        case .float(let v): return v
        default: throw fail("attribute \(name) must be a float")
        }
    }

    private func requireEpsilon() throws(ONNXError) {
        let epsilon = try float("epsilon", default: 1e-5)
        guard abs(Double(epsilon) - 1e-5) < 1e-9 else {
            throw fail("epsilon \(epsilon) is not supported: lmc's norms use PyTorch's default, 1e-5")
        }
    }

    private func requireNoAutoPad() throws(ONNXError) {
        switch node.attributes["auto_pad"] {
        case nil, .string("NOTSET"): return
        default: throw fail("auto_pad is not supported: export with explicit pads")
        }
    }
}
