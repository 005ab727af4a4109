import DSL
import Foundation

/// Before planning, each `onnx:` model's graph becomes its layers: from then on an imported model is a
/// declared one (same checks, permutation groups, cache keys), plus the graph's input shape and tensor names.
package enum ModelImport {
    /// `spec` with every ONNX model imported.
    ///
    /// - Throws: `DiagnosticError` with one diagnostic per file that cannot be read or mapped, at the
    ///   `onnx:` value that names it.
    package static func importingModels(_ spec: Spec) throws(DiagnosticError) -> Spec {
        var spec = spec
        var diagnostics: [Diagnostic] = []
        for i in spec.models.indices {
            guard let onnx = spec.models[i].value.onnx else { continue }
            do {
                guard let data = FileManager.default.contents(atPath: onnx.file) else {
                    let missing = !FileManager.default.fileExists(atPath: onnx.file)
                    throw ONNXError(file: onnx.file, missing ? "no such file" : "cannot be read")
                }
                spec.models[i].value = try imported([UInt8](data), into: spec.models[i].value, file: onnx.file)
            } catch {
                diagnostics.append(
                    Diagnostic(
                        code: "onnx-import", location: onnx.location,
                        message: "model '\(spec.models[i].name)': \(error)"))
            }
        }
        if !diagnostics.isEmpty { throw DiagnosticError(diagnostics) }
        return spec
    }

    /// `model` with the graph in `bytes` (the contents of `file`) imported: its layers, input shape and
    /// tensor sources.
    ///
    /// - Throws: `ONNXError` naming `file` when the bytes are not an ONNX graph lmc can map.
    package static func imported(_ bytes: [UInt8], into model: ModelSpec, file: String) throws(ONNXError) -> ModelSpec {
        let graph = try ONNXImport(try ONNXGraph(bytes: bytes, file: file))
        var model = model
        var onnx = model.onnx ?? ONNXModelSpec(file: file, location: SourceLocation(file: file, line: 1, column: 1))
        onnx.input = graph.input
        onnx.tensors = graph.tensors
        model.onnx = onnx
        model.layers = graph.layers
        return model
    }
}
