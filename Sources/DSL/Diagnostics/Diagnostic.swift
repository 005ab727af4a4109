/// One problem in user input.
///
/// Plain data: no formatting, no printing; `lmc` renders it.
public struct Diagnostic: Hashable, Sendable, Codable {
    /// How bad a diagnostic is.
    public enum Severity: String, Hashable, Sendable, Codable {
        case error, warning, note
    }

    /// A stable identifier (`unknown-key`, `dangling-reference`); tests and tools match on it, not on prose.
    public var code: String
    /// Error, warning or note.
    public var severity: Severity
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong, in one sentence.
    public var message: String
    /// Related places, such as "first defined here".
    public var notes: [Diagnostic]

    /// Creates a diagnostic.
    public init(
        code: String, severity: Severity = .error, location: SourceLocation, message: String, notes: [Diagnostic] = []
    ) {
        self.code = code
        self.severity = severity
        self.location = location
        self.message = message
        self.notes = notes
    }

    /// Creates a note that points at a related place.
    public static func note(_ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(code: "note", severity: .note, location: location, message: message)
    }
}

/// Thrown once per phase, carrying every diagnostic found; holds at least one error.
public struct DiagnosticError: Error, Sendable {
    /// All diagnostics of the phase, in source order.
    public var diagnostics: [Diagnostic]

    /// Creates the error from a non-empty list.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }
}

/// Collects diagnostics during one phase so that the phase can report all of them at once.
///
/// Confined to the thread that runs the phase.
package final class DiagnosticSink {
    package private(set) var diagnostics: [Diagnostic] = []

    package init() {}

    package var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Records an error; one already recorded (the same text at the same place, as every copy of a
    /// repeated block makes it) is not recorded again.
    package func error(_ code: String, at location: SourceLocation, _ message: String, notes: [Diagnostic] = []) {
        let diagnostic = Diagnostic(code: code, location: location, message: message, notes: notes)
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// Throws the collected diagnostics if any of them is an error.
    package func throwIfErrors() throws(DiagnosticError) {
        if hasErrors { throw DiagnosticError(sorted) }
    }

    /// Diagnostics in source order, so that the user reads them top to bottom.
    package var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let l = lhs.element.location, r = rhs.element.location
            if l.file != r.file { return lhs.offset < rhs.offset }
            if l.line != r.line { return l.line < r.line }
            if l.column != r.column { return l.column < r.column }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }
}
