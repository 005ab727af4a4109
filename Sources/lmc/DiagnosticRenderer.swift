import DSL
import Foundation

/// Renders diagnostics compiler-style: `file:line:col: error: message [code]`, the source line, a caret, then notes.
///
/// The only place diagnostics become text.
enum DiagnosticRenderer {
    /// - Parameter texts: sources that are not files, by the name their locations use (`--set` arguments).
    static func render(_ diagnostics: [Diagnostic], texts: [String: String] = [:]) -> String {
        var sources: [String: [Substring]] = texts.mapValues { $0.split(separator: "\n", omittingEmptySubsequences: false) }
        var out = ""
        func excerpt(_ location: SourceLocation) -> String {
            if sources[location.file] == nil {
                let text = FileManager.default.contents(atPath: location.file).flatMap { String(data: $0, encoding: .utf8) } ?? ""
                sources[location.file] = text.split(separator: "\n", omittingEmptySubsequences: false)
            }
            guard let lines = sources[location.file], location.line >= 1, location.line <= lines.count else { return "" }
            let line = lines[location.line - 1]
            let pad = String(line.unicodeScalars.prefix(location.column - 1).map { $0 == "\t" ? "\t" : " " })
            return "    \(line)\n    \(pad)^\n"
        }
        for d in diagnostics {
            out += "\(d.location): \(d.severity.rawValue): \(d.message) [\(d.code)]\n"
            out += excerpt(d.location)
            for note in d.notes { out += "\(note.location): note: \(note.message)\n" }
        }
        let errors = diagnostics.filter { $0.severity == .error }.count
        out += "\(errors) error\(errors == 1 ? "" : "s")\n"
        return out
    }
}
