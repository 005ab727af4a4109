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
            guard var onnx = spec.models[i].value.onnx else { continue }
            do {
                guard let data = FileManager.default.contents(atPath: onnx.file) else {
                    let missing = !FileManager.default.fileExists(atPath: onnx.file)
                    throw ONNXError(file: onnx.file, missing ? "no such file" : "cannot be read")
                }
                let imported = try ONNXImport(try ONNXGraph(bytes: [UInt8](data), file: onnx.file))
                onnx.input = imported.input
                onnx.tensors = imported.tensors
                spec.models[i].value.onnx = onnx
                spec.models[i].value.layers = imported.layers
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
}
