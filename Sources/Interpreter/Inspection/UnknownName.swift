import DSL

/// A name the spec does not have, given to a command (`lmc export SPEC b`, `lmc explain SPEC train/b`):
/// input the user must fix, with the names they may mean.
package struct UnknownName: Error, CustomStringConvertible {
    package var description: String

    /// "the spec has no network 'b'", then the sweep copies of `name` when it exists only as such
    /// (`b@wd=0.0`, …), else the nearest candidate.
    init(_ kind: String, _ name: String, among candidates: [String], context: String = "") {
        let copies = candidates.filter { $0.hasPrefix(name + "@") }
        let hint =
            copies.isEmpty
            ? Suggestion.hint(for: name, among: candidates)
            : "; it is swept, name one of its copies: " + copies.prefix(8).joined(separator: ", ")
                + (copies.count > 8 ? ", …" : "")
        description = "the spec has no \(kind) '\(name)'\(context)\(hint)"
    }
}
