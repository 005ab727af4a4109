/// Expands a spec's `matrix:` before decoding: every entry that uses `${var}`, or refers to an entry
/// that does, becomes one copy per value of those variables, named `entry@var=value`.
///
/// Works on the YAML tree, so copies keep the template's source locations and are then decoded and
/// checked like hand-written entries. Two sweeps that share a point produce identical copies, hence
/// identical cache keys.
struct SweepExpander {
    let sink: DiagnosticSink

    /// The sections whose entries can be swept, and the keys in them that name other entries.
    static let sections = [
        "datasets", "models", "recipes", "networks", "pruning", "masked", "alignments", "interpolations",
    ]
    static let referenceKeys = [
        "model", "data", "recipe", "network", "mask", "transport", "align", "to", "between", "permute",
        "networks",
    ]

    /// One value of each variable an entry depends on, in matrix order.
    typealias Point = [(name: String, value: String)]

    /// The expanded root, and for each generated entry name its point.
    func expand(_ root: YAMLNode) -> (root: YAMLNode, points: [String: Point]) {
        guard case .mapping(var top) = root.content else { return (root, [:]) }
        guard let index = top.firstIndex(where: { $0.key == "matrix" }) else {
            // Without a matrix every `${…}` is undefined: say so, rather than a puzzling type error.
            for section in top where Self.sections.contains(section.key) { _ = variablesUsed(in: section.value, known: []) }
            return (root, [:])
        }
        let matrixNode = top.remove(at: index).value
        guard let matrix = variables(matrixNode) else { return (YAMLNode(content: .mapping(top), location: root.location), [:]) }
        // Direct dependencies: variables used and entries referred to.
        var uses: [String: Set<String>] = [:], refers: [String: Set<String>] = [:]
        var names = Set<String>()
        for section in top where Self.sections.contains(section.key) {
            guard case .mapping(let entries) = section.value.content else { continue }
            for entry in entries { names.insert(entry.key) }
        }
        for section in top where Self.sections.contains(section.key) {
            guard case .mapping(let entries) = section.value.content else { continue }
            for entry in entries {
                uses[entry.key] = variablesUsed(in: entry.value, known: matrix.map(\.name))
                refers[entry.key] = references(in: entry.value).intersection(names).subtracting([entry.key])
            }
        }
        var depends = uses
        var changed = true
        while changed {
            changed = false
            for (name, targets) in refers {
                let inherited = targets.reduce(into: depends[name] ?? []) { $0.formUnion(depends[$1] ?? []) }
                if inherited != depends[name] {
                    depends[name] = inherited
                    changed = true
                }
            }
        }
        var points: [String: Point] = [:]
        func copyName(_ name: String, _ point: Point) -> String {
            let own = point.filter { depends[name]?.contains($0.name) == true }
            return own.isEmpty ? name : name + "@" + own.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        }
        for s in top.indices where Self.sections.contains(top[s].key) {
            guard case .mapping(let entries) = top[s].value.content else { continue }
            var expanded: [YAMLNode.Entry] = []
            for entry in entries {
                let vars = matrix.filter { depends[entry.key]?.contains($0.name) == true }
                if vars.isEmpty {
                    expanded.append(entry)
                    continue
                }
                for point in product(vars) {
                    var copy = entry
                    copy.key = copyName(entry.key, point)
                    copy.value = substitute(entry.value, point: point, rename: { copyName($0, point) }, names: names)
                    points[copy.key] = point
                    expanded.append(copy)
                }
            }
            top[s].value.content = .mapping(expanded)
        }
        return (YAMLNode(content: .mapping(top), location: root.location), points)
    }

    /// `matrix: {var: [values…], …}`, checked.
    private func variables(_ node: YAMLNode) -> [(name: String, values: [String])]? {
        guard case .mapping(let entries) = node.content, !entries.isEmpty else {
            sink.error("type-mismatch", at: node.location, "'matrix' must be a mapping of variable names to lists of values")
            return nil
        }
        var result: [(String, [String])] = []
        for entry in entries {
            guard entry.key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !entry.key.isEmpty else {
                sink.error(
                    "bad-name", at: entry.keyLocation, "'\(entry.key)' is not a valid sweep variable: use letters, digits and '_'"
                )
                continue
            }
            guard case .sequence(let items) = entry.value.content, !items.isEmpty else {
                sink.error("type-mismatch", at: entry.value.location, "matrix.\(entry.key) must be a non-empty list of values")
                continue
            }
            var values: [String] = []
            for item in items {
                guard case .scalar(let text, _) = item.content, !text.isEmpty,
                    text.allSatisfy({ $0.isLetter || $0.isNumber || "-_.+".contains($0) })
                else {
                    sink.error(
                        "type-mismatch", at: item.location,
                        "matrix.\(entry.key) values must be numbers or words (letters, digits, '-', '_', '.', '+')")
                    continue
                }
                if values.contains(text) {
                    sink.error("duplicate-key", at: item.location, "matrix.\(entry.key) lists \(text) twice")
                }
                values.append(text)
            }
            result.append((entry.key, values))
        }
        return sink.hasErrors ? nil : result
    }

    private func product(_ vars: [(name: String, values: [String])]) -> [Point] {
        vars.reduce([[]]) { points, variable in
            points.flatMap { point in variable.values.map { point + [(variable.name, $0)] } }
        }
    }

    /// Variables used as `${var}` anywhere in the subtree; an unknown one is an error.
    private func variablesUsed(in node: YAMLNode, known: [String]) -> Set<String> {
        switch node.content {
        case .scalar(let text, _):
            var used = Set<String>()
            for name in placeholders(in: text) {
                if known.contains(name) {
                    used.insert(name)
                } else {
                    sink.error(
                        "dangling-reference", at: node.location,
                        known.isEmpty
                            ? "no sweep variable named '\(name)': the spec has no 'matrix'"
                            : "no sweep variable named '\(name)' in 'matrix'\(Suggestion.hint(for: name, among: known))")
                }
            }
            return used
        case .sequence(let items): return items.reduce(into: []) { $0.formUnion(variablesUsed(in: $1, known: known)) }
        case .mapping(let entries): return entries.reduce(into: []) { $0.formUnion(variablesUsed(in: $1.value, known: known)) }
        }
    }

    /// Names in `${…}`.
    private func placeholders(in text: String) -> [String] {
        var names: [String] = []
        _ = Self.replacing(text) { name in
            names.append(name)
            return nil
        }
        return names
    }

    /// `text` with each `${name}` replaced by `value(name)`, or kept where that is nil.
    static func replacing(_ text: String, _ value: (String) -> String?) -> String {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            let afterDollar = rest.index(after: dollar)
            guard afterDollar < rest.endIndex, rest[afterDollar] == "{",
                let close = rest[afterDollar...].firstIndex(of: "}")
            else {
                result += rest[...dollar]
                rest = rest[afterDollar...]
                continue
            }
            let name = String(rest[rest.index(after: afterDollar)..<close])
            result += rest[..<dollar]
            result += value(name) ?? String(rest[dollar...close])
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Scalars under the reference keys of an entry (one level down, or in a list there).
    private func references(in node: YAMLNode) -> Set<String> {
        guard case .mapping(let entries) = node.content else { return [] }
        var result = Set<String>()
        for entry in entries where Self.referenceKeys.contains(entry.key) {
            switch entry.value.content {
            case .scalar(let text, _): result.insert(text)
            case .sequence(let items):
                for case .scalar(let text, _) in items.map(\.content) { result.insert(text) }
            case .mapping: continue
            }
        }
        return result
    }

    /// The entry with `${var}` replaced by the point's values and references to swept entries renamed.
    private func substitute(_ node: YAMLNode, point: Point, rename: (String) -> String, names: Set<String>) -> YAMLNode {
        func values(_ node: YAMLNode) -> YAMLNode {
            var node = node
            switch node.content {
            case .scalar(let text, let plain):
                let replaced = Self.replacing(text) { name in point.first { $0.name == name }?.value }
                // A scalar that was exactly one placeholder takes the value's type (a quoted "${width}" is 64).
                let whole = point.contains { text == "${\($0.name)}" }
                node.content = .scalar(replaced, plain: plain || whole)
            case .sequence(let items): node.content = .sequence(items.map(values))
            case .mapping(let entries):
                node.content = .mapping(
                    entries.map { entry in
                        var entry = entry
                        entry.value = values(entry.value)
                        return entry
                    })
            }
            return node
        }
        var result = values(node)
        guard case .mapping(var entries) = result.content else { return result }
        for i in entries.indices where Self.referenceKeys.contains(entries[i].key) {
            func renamed(_ item: YAMLNode) -> YAMLNode {
                guard case .scalar(let text, let plain) = item.content, names.contains(text) else { return item }
                var item = item
                item.content = .scalar(rename(text), plain: plain)
                return item
            }
            switch entries[i].value.content {
            case .scalar: entries[i].value = renamed(entries[i].value)
            case .sequence(let items): entries[i].value.content = .sequence(items.map(renamed))
            case .mapping: continue
            }
        }
        result.content = .mapping(entries)
        return result
    }
}
