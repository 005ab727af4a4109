/// A Hydra-style `--set path=value` override, applied to the spec's YAML tree before decoding, so the
/// value is checked exactly like one written in the file.
///
/// `path` is dotted keys (`recipes.sgd.epochs`, `evaluation.alphas`); `value` is YAML (`5`, `[0, 0.5, 1]`,
/// `{lr: 0.1}`). Every key but the last must exist; the last may be new. Errors point into the argument,
/// as `--set:N:col` for the N-th override.
public struct Override: Sendable, Hashable {
    /// The argument as given.
    public var argument: String
    /// Which `--set` it is, from 1 (the "line" of its diagnostics).
    public var index: Int

    public init(_ argument: String, index: Int) {
        self.argument = argument
        self.index = index
    }

    private func location(_ column: Int) -> SourceLocation { SourceLocation(file: "--set", line: index, column: column) }

    /// The tree with this override applied.
    func apply(to root: YAMLNode, sink: DiagnosticSink) -> YAMLNode {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            sink.error("bad-override", at: location(1), "--set needs path=value; got '\(argument)'")
            return root
        }
        let path = argument[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let valueText = String(argument[argument.index(after: equals)...])
        let valueColumn = argument.distance(from: argument.startIndex, to: equals) + 2
        let value: YAMLNode
        do {
            value = try YAMLReader().read(valueText.isEmpty ? "~" : valueText, file: "--set")
        } catch {
            sink.error(
                "bad-override", at: location(valueColumn), "the value of --set \(path.joined(separator: ".")) is not valid YAML")
            return root
        }
        var shifted = value
        relocate(&shifted, line: index, offset: valueColumn - 1)
        guard !path.contains(where: \.isEmpty) else {
            sink.error("bad-override", at: location(1), "--set path '\(argument[..<equals])' has an empty key")
            return root
        }
        var column = 1
        return set(path[...], to: shifted, in: root, column: &column, sink: sink) ?? root
    }

    private func set(
        _ path: ArraySlice<String>, to value: YAMLNode, in node: YAMLNode, column: inout Int, sink: DiagnosticSink
    ) -> YAMLNode? {
        guard let key = path.first else { return value }
        guard case .mapping(var entries) = node.content else {
            sink.error("bad-override", at: location(column), "--set: '\(key)' is inside \(node.kindDescription), not a mapping")
            return nil
        }
        let here = column
        column += key.count + 1
        if let i = entries.firstIndex(where: { $0.key == key }) {
            guard let replaced = set(path.dropFirst(), to: value, in: entries[i].value, column: &column, sink: sink) else {
                return nil
            }
            entries[i].value = replaced
        } else if path.count == 1 {
            entries.append(.init(key: key, keyLocation: location(here), value: value))
        } else {
            sink.error(
                "bad-override", at: location(here),
                "--set: no key '\(key)' here\(Suggestion.hint(for: key, among: entries.map(\.key)))")
            return nil
        }
        var result = node
        result.content = .mapping(entries)
        return result
    }

    /// Places the parsed value's locations inside the argument.
    private func relocate(_ node: inout YAMLNode, line: Int, offset: Int) {
        node.location = SourceLocation(file: "--set", line: line, column: node.location.column + offset)
        switch node.content {
        case .scalar: return
        case .sequence(var items):
            for i in items.indices { relocate(&items[i], line: line, offset: offset) }
            node.content = .sequence(items)
        case .mapping(var entries):
            for i in entries.indices {
                relocate(&entries[i].value, line: line, offset: offset)
                entries[i].keyLocation = SourceLocation(file: "--set", line: line, column: entries[i].keyLocation.column + offset)
            }
            node.content = .mapping(entries)
        }
    }
}
