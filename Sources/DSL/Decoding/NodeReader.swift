/// Typed reads of YAML nodes that report problems to a sink and return nil instead of throwing,
/// so that one decoding pass finds every error.
struct NodeReader {
    let sink: DiagnosticSink

    /// The entries of a mapping whose keys must come from `allowed`; unknown keys are reported with a hint.
    func fields(_ node: YAMLNode, of what: String, allowed: [String]) -> Fields? {
        guard case .mapping(let entries) = node.content else {
            typeError(node, expected: "a mapping", for: what)
            return nil
        }
        for entry in entries where !allowed.contains(entry.key) {
            sink.error(
                "unknown-key", at: entry.keyLocation,
                "unknown key '\(entry.key)' in \(what)\(Suggestion.hint(for: entry.key, among: allowed))")
        }
        return Fields(node: node, entries: entries, what: what, reader: self)
    }

    /// The entries of a mapping whose keys are user-chosen names.
    func entries(_ node: YAMLNode, of what: String) -> [YAMLNode.Entry]? {
        guard case .mapping(let entries) = node.content else {
            typeError(node, expected: "a mapping of names to entries", for: what)
            return nil
        }
        return entries
    }

    func typeError(_ node: YAMLNode, expected: String, for what: String) {
        let found: String
        if case .scalar(let text, _) = node.content, node.kindDescription != "null" {
            found = "got '\(text)'"
        } else {
            found = "got \(node.kindDescription)"
        }
        sink.error("type-mismatch", at: node.location, "\(what) must be \(expected); \(found)")
    }

    func rangeError(_ node: YAMLNode, _ message: String) {
        sink.error("out-of-range", at: node.location, message)
    }

    func plainScalar(_ node: YAMLNode) -> String? {
        if case .scalar(let text, true) = node.content { return text }
        return nil
    }

    func string(_ node: YAMLNode, _ what: String) -> String? {
        guard case .scalar(let text, _) = node.content, node.kindDescription != "null" else {
            typeError(node, expected: "a string", for: what)
            return nil
        }
        return text
    }

    func int(_ node: YAMLNode, _ what: String, atLeast minimum: Int = .min, atMost maximum: Int = .max) -> Int? {
        guard let text = plainScalar(node), let value = Int(text.replacingUnderscores) else {
            typeError(node, expected: "an integer", for: what)
            return nil
        }
        guard value >= minimum, value <= maximum else {
            let bound = maximum == .max ? "at least \(minimum)" : "between \(minimum) and \(maximum)"
            rangeError(node, "\(what) must be \(bound); got \(value)")
            return nil
        }
        return value
    }

    func seed(_ node: YAMLNode, _ what: String) -> UInt64? {
        guard let text = plainScalar(node), let value = UInt64(text.replacingUnderscores) else {
            typeError(node, expected: "a non-negative integer", for: what)
            return nil
        }
        return value
    }

    /// A finite number; `open` bounds exclude the limit.
    func double(_ node: YAMLNode, _ what: String, min: Double? = nil, minOpen: Bool = false, max: Double? = nil)
        -> Double?
    {
        guard let text = plainScalar(node), let value = Double(text.replacingUnderscores), value.isFinite else {
            typeError(node, expected: "a number", for: what)
            return nil
        }
        if let min, value < min || (minOpen && value == min) {
            rangeError(node, "\(what) must be \(minOpen ? "greater than" : "at least") \(min); got \(text)")
            return nil
        }
        if let max, value > max {
            rangeError(node, "\(what) must be at most \(max); got \(text)")
            return nil
        }
        return value
    }

    func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        switch plainScalar(node) {
        case "true"?: return true
        case "false"?: return false
        default:
            typeError(node, expected: "true or false", for: what)
            return nil
        }
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String, as _: Choice.Type) -> Choice?
    where Choice.RawValue == String {
        let options = Choice.allCases.map(\.rawValue)
        guard let text = plainScalar(node) else {
            typeError(node, expected: "one of \(options.joined(separator: ", "))", for: what)
            return nil
        }
        guard let value = Choice(rawValue: text) else {
            sink.error(
                "unknown-value", at: node.location,
                "\(what) must be one of \(options.joined(separator: ", ")); got '\(text)'"
                    + Suggestion.hint(for: text, among: options))
            return nil
        }
        return value
    }

    func list(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        guard case .sequence(let items) = node.content else {
            typeError(node, expected: "a list", for: what)
            return nil
        }
        return items
    }

    func reference(_ node: YAMLNode, _ what: String) -> Reference? {
        string(node, what).map { Reference(name: $0, location: node.location) }
    }
}

/// The entries of one mapping, read by key.
struct Fields {
    let node: YAMLNode
    let entries: [YAMLNode.Entry]
    let what: String
    let reader: NodeReader

    func optional(_ key: String) -> YAMLNode? {
        entries.first { $0.key == key }?.value
    }

    func required(_ key: String) -> YAMLNode? {
        guard let value = optional(key) else {
            reader.sink.error("missing-key", at: node.location, "\(what) needs '\(key)'")
            return nil
        }
        return value
    }

    func has(_ key: String) -> Bool { optional(key) != nil }
}

extension String {
    /// YAML 1.1 allows `10_000`; so do we.
    var replacingUnderscores: String { filter { $0 != "_" } }
}
