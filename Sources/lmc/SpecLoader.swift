import DSL
import Interpreter
import Foundation

/// Reads spec files and turns them into plans, keeping their text for diagnostics.
enum SpecLoader {
    /// Decodes and plans one file.
    ///
    /// - Throws: `DiagnosticError` for any problem in the spec; `InvalidInput` if the file cannot be read.
    static func plan(_ path: String, overrides: [String] = []) throws -> (spec: Spec, plan: Plan) {
        let text = try read(path)
        let directory = (path as NSString).deletingLastPathComponent
        let parsed = overrides.enumerated().map { Override($0.element, index: $0.offset + 1) }
        let decoded: Spec
        do {
            decoded = try SpecDecoder().decode(text, file: path, directory: directory, overrides: parsed)
        } catch {
            if overrides.isEmpty { throw error }
            throw Failure(diagnostics: error.diagnostics, overrides: overrides)
        }
        let spec = try ModelImport.importingModels(decoded)
        let plan = try Planner().plan(spec)
        let misfits = ModelCheck.diagnostics(for: spec)
        if !misfits.isEmpty { throw DiagnosticError(misfits) }
        return (spec, plan)
    }

    /// Diagnostics of a spec read with `--set` overrides, which the renderer shows as their own source.
    struct Failure: Error {
        var diagnostics: [Diagnostic]
        var overrides: [String]
    }

    /// The YAML tree of a spec with `--set` overrides applied, for comparing what two files say.
    static func tree(_ path: String, overrides: [String] = []) throws -> YAMLNode {
        let parsed = overrides.enumerated().map { Override($0.element, index: $0.offset + 1) }
        let text = try read(path)
        do {
            return try SpecDecoder().tree(text, file: path, overrides: parsed)
        } catch {
            if overrides.isEmpty { throw error }
            throw Failure(diagnostics: error.diagnostics, overrides: overrides)
        }
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvalidInput(message: "cannot read spec file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DiagnosticError([
                Diagnostic(
                    code: "not-utf8", location: .init(file: path, line: 1, column: 1),
                    message: "the spec is not valid UTF-8")
            ])
        }
        return text
    }
}
