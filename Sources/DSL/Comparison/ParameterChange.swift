/// One difference between two specs, by the YAML path a user wrote (`recipes.sgd.epochs`).
public struct ParameterChange: Sendable, Hashable, Codable {
    /// Dotted keys; list items as `[i]`.
    public var path: String
    /// The old value as YAML text (a scalar, or `{…}` / `[…]` for a whole added or removed subtree), nil if absent.
    public var old: String?
    /// The new value likewise, nil if absent.
    public var new: String?

    /// Every path whose value differs between two spec trees, in the new tree's order (removals last).
    ///
    /// Compares what the files say (after anchors and merges), so comments, formatting and key order do not count.
    public static func between(_ old: YAMLNode, _ new: YAMLNode) -> [ParameterChange] {
        var changes: [ParameterChange] = []
        compare(old, new, path: "", into: &changes)
        return changes
    }

    private static func compare(_ old: YAMLNode?, _ new: YAMLNode?, path: String, into changes: inout [ParameterChange]) {
        switch (old?.content, new?.content) {
        case (.mapping(let a)?, .mapping(let b)?):
            for entry in b {
                compare(a.first { $0.key == entry.key }?.value, entry.value, path: join(path, entry.key), into: &changes)
            }
            for entry in a where !b.contains(where: { $0.key == entry.key }) {
                compare(entry.value, nil, path: join(path, entry.key), into: &changes)
            }
        case (.sequence(let a)?, .sequence(let b)?) where a.count == b.count:
            for (i, pair) in zip(a, b).enumerated() { compare(pair.0, pair.1, path: path + "[\(i)]", into: &changes) }
        default:
            let before = old.map(text), after = new.map(text)
            if before != after { changes.append(ParameterChange(path: path, old: before, new: after)) }
        }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// A node in flow style, for messages.
    static func text(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let value, _): value
        case .sequence(let items): "[" + items.map(text).joined(separator: ", ") + "]"
        case .mapping(let entries): "{" + entries.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
