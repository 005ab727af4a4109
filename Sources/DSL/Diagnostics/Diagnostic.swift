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

    /// Diagnostics in source order, so that the user reads them top to bottom; one mistake that every copy
    /// of a `matrix:` sweep repeats is one diagnostic naming the copies.
    package var sorted: [Diagnostic] {
        var merged: [Diagnostic] = []
        var copies: [[String]] = []
        for diagnostic in diagnostics {
            let (general, copy) = Self.withoutCopy(diagnostic.message)
            if let copy,
                let i = merged.indices.first(where: { j in
                    merged[j].code == diagnostic.code && merged[j].location == diagnostic.location
                        && !copies[j].isEmpty && Self.withoutCopy(merged[j].message).general == general
                })
            {
                copies[i].append(copy)
                continue
            }
            merged.append(diagnostic)
            copies.append(copy.map { [$0] } ?? [])
        }
        for i in merged.indices where copies[i].count > 1 {
            merged[i].message =
                Self.withoutCopy(merged[i].message).general + " (in the copies \(copies[i].joined(separator: ", ")))"
        }
        return merged.enumerated().sorted { lhs, rhs in
            let l = lhs.element.location, r = rhs.element.location
            if l.file != r.file { return lhs.offset < rhs.offset }
            if l.line != r.line { return l.line < r.line }
            if l.column != r.column { return l.column < r.column }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// A message with a sweep copy's suffix (`r@wd=5.0e-4` → `r`) taken out, and the suffix's assignments.
    ///
    /// A suffix runs from `@` to the first `.` that is followed by a letter (values may hold decimal points).
    package static func withoutCopy(_ message: String) -> (general: String, copy: String?) {
        guard let at = message.firstIndex(of: "@") else { return (message, nil) }
        var end = message.index(after: at)
        while end < message.endIndex {
            let c = message[end]
            if c == " " || c == "'" || c == ";" || c == ")" { break }
            if c == ".", let next = message.index(end, offsetBy: 1, limitedBy: message.endIndex), next < message.endIndex,
                message[next].isLetter
            {
                break
            }
            end = message.index(after: end)
        }
        let copy = String(message[message.index(after: at)..<end])
        guard copy.contains("=") else { return (message, nil) }
        return (String(message[..<at]) + String(message[end...]), copy)
    }
}
