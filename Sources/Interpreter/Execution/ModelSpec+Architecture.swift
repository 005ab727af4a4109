import DSL
import Engine

/// The one place that knows model families: each spec becomes a layer program, and nothing after
/// this point asks which family a network came from.
extension ModelSpec {
    /// The model's layers on inputs of `input`'s shape, ending in `classes` logits.
    ///
    /// - Throws: `ArchitectureError` naming the layer (its index in `layers` for declared models) that
    ///   does not fit, or saying that the logits are not `classes` wide.
    package func program(input: ImageShape, classes: Int) throws(ArchitectureError) -> LayerProgram {
        if onnx != nil && layers == nil {
            throw ArchitectureError(layer: nil, "internal error: the model's ONNX graph was not imported")
        }
        if let dims = onnx?.input, dims != [input.channels, input.height, input.width] {
            let graph = dims.map(String.init).joined(separator: "×")
            throw ArchitectureError(
                layer: nil,
                "the ONNX graph takes \(graph) images; the dataset's are \(input): export it with an example "
                    + "input of the dataset's shape")
        }
        let program = try LayerProgram(architecture(input: input, classes: classes))
        let last = program.architecture.layers.count - 1
        let logits = program.outputShape
        guard logits == ImageShape(channels: classes, height: 1, width: 1) else {
            throw ArchitectureError(
                layer: last,
                "the model ends in \(logits) values; it must end in the "
                    + "dataset's \(classes) logits (a linear layer of \(classes) outputs, or 'linear: classes')")
        }
        return program
    }

    /// The model's layers on inputs of `input`'s shape.
    package func architecture(input: ImageShape, classes: Int) -> Architecture {
        if let layers { return Self.declared(layers, input: input, classes: classes) }
        if let vit {
            return .vit(
                input: input, patch: vit.patch, width: vit.width, depth: vit.depth, heads: vit.heads,
                hidden: vit.width * vit.mlpRatio, classes: classes)
        }
        guard let conv else { return .mlp(input: input, hidden: hidden, classes: classes) }
        let norm: Normalization.Kind? =
            switch conv.norm {
            case .groupnorm: .group(1)
            case .layernorm: .layer
            case .batchnorm: .batch
            case .none: nil
            }
        switch conv.body {
        case .vgg(let layers):
            return .vgg(input: input, widths: layers.map { $0.map { $0 * conv.width } }, norm: norm, classes: classes)
        case .resnet(let stages, let blocks):
            return .resnet(input: input, stages: stages, blocks: blocks, width: conv.width, norm: norm, classes: classes)
        }
    }

    /// A declared model's layers, names resolved to buffers (the decoder checked every reference).
    private static func declared(_ layers: [LayerSpec], input: ImageShape, classes: Int) -> Architecture {
        var architecture = Architecture(input: input, layers: [])
        var buffers = [LayerSpec.input: 0]
        for layer in layers {
            let operation: Architecture.Operation =
                switch layer.operation {
                case .linear(let outputs, let bias): .linear(outputs: outputs ?? classes, bias: bias)
                case .tokenLinear(let outputs, let bias): .tokenLinear(outputs: outputs, bias: bias)
                case .positionEmbedding: .positionEmbedding
                case .attention(let heads): .attention(heads: heads)
                case .conv(let channels, let kernel, let stride, let padding, let bias):
                    .conv(channels: channels, kernel: kernel, stride: stride, padding: padding, bias: bias)
                case .norm(.batch): .norm(.batch)
                case .norm(.group(let groups)): .norm(.group(groups))
                case .norm(.layer): .norm(.layer)
                case .relu: .relu
                case .gelu: .gelu
                case .maxPool(let kernel): .maxPool(kernel: kernel)
                case .averagePool(let kernel): .averagePool(kernel: kernel)
                case .globalAveragePool: .globalAveragePool
                case .flatten: .flatten
                case .add: .add
                }
            let inputs = layer.inputs.isEmpty ? nil : layer.inputs.map { buffers[$0] ?? -1 }
            buffers[layer.name] = architecture.append(layer.name, operation, inputs: inputs)
        }
        return architecture
    }
}
