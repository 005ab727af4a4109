import DSL
import Engine

/// A model imported from ONNX keeps its tensors under lmc's names (`layer.suffix`, `[out, in]` weights);
/// files name them as the graph's initializers. These map one way to the other.
extension ONNXModelSpec {
    /// `tensors` (by initializer name, as an ONNX file or a state dict saved under those names holds
    /// them) renamed to lmc's names and shaped as `program` needs (MatMul weights transposed, `[C, 1, 1]`
    /// affines flattened).
    ///
    /// - Throws: `ArtifactError` naming a missing initializer or one of the wrong size.
    func lmcTensors(_ tensors: [String: Tensor], program: LayerProgram, file: String) throws(ArtifactError) -> [String: Tensor] {
        var renamed: [String: Tensor] = [:]
        for (name, shape) in program.tensorShapes {
            guard let source = self.tensors[name] else { continue }
            guard var tensor = tensors[source.initializer] else {
                let names = tensors.keys.sorted()
                let listed = names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : "")
                throw ArtifactError(
                    description: "\(file): no tensor '\(source.initializer)' (the ONNX initializer of lmc's '\(name)'); "
                        + "the file has \(names.count): \(listed)")
            }
            if source.transposed, tensor.shape.count == 2 { tensor = tensor.transposed() }
            guard tensor.count == shape.reduce(1, *) else {
                throw ArtifactError(
                    description: "\(file): tensor '\(source.initializer)' has shape \(tensor.shape); the model needs \(shape)")
            }
            renamed[name] = Tensor(shape: shape, scalars: tensor.scalars)
        }
        return renamed
    }

    /// A network's tensors under the initializers' names and shapes, for a state dict that loads into the
    /// module the graph was exported from.
    package func initializerTensors(_ network: Network) -> [(name: String, tensor: Tensor)] {
        network.namedTensors.map { name, tensor in
            guard let source = tensors[name] else { return (name, tensor) }
            return (source.initializer, source.transposed ? tensor.transposed() : tensor)
        }
    }
}
