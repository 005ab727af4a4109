import DSL
import Engine
import Foundation

/// A trained network read from a `load:` file.
///
/// The file is a safetensors state dict, or an ONNX file (`.onnx`) whose initializers hold the tensors.
/// For a model imported from ONNX, the file names tensors as the graph's initializers.
package enum NetworkFile {
    /// - Throws: `ArtifactError` if the file cannot be read; `SafeTensors.FormatError` or `ONNXError` if it
    ///   is not a valid file of its kind; an error naming the first tensor the model needs and the file
    ///   lacks or holds in another shape.
    package static func network(_ file: String, model: ModelSpec, program: LayerProgram, prefixes: [String]?) throws -> Network {
        guard let data = FileManager.default.contents(atPath: file) else {
            let missing = !FileManager.default.fileExists(atPath: file)
            throw ArtifactError(description: missing ? "no file \(file)" : "cannot read \(file)")
        }
        return try network(bytes: [UInt8](data), file: file, model: model, program: program, prefixes: prefixes)
    }

    /// The network in `bytes`, the contents of `file` (whose suffix says which format they are in).
    package static func network(
        bytes: [UInt8], file: String, model: ModelSpec, program: LayerProgram, prefixes: [String]?
    ) throws -> Network {
        var tensors: [String: Tensor]
        if file.lowercased().hasSuffix(".onnx") {
            let graph = try ONNXGraph(bytes: bytes, file: file)
            tensors = graph.tensors.compactMapValues { i in i.floats.map { Tensor(shape: i.dims, scalars: $0) } }
        } else {
            let (decoded, _) = try SafeTensors.decode(bytes, file: file)
            tensors = Dictionary(decoded.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        }
        if let onnx = model.onnx, prefixes == nil { tensors = try onnx.lmcTensors(tensors, program: program, file: file) }
        return try Network(program: program, tensors: tensors, file: file, prefixes: prefixes)
    }
}
