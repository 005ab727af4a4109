/// Turns a YAML tree into a typed, validated `Spec`, reporting every problem at once.
public struct SpecDecoder: Sendable {
    public init() {}

    /// Reads and decodes a spec file's text.
    ///
    /// - Parameters:
    ///   - text: The YAML text.
    ///   - file: The file's name as given by the user (used in locations).
    ///   - directory: Directory against which the spec's relative paths resolve.
    /// - Throws: `DiagnosticError` with every problem, YAML syntax and semantics alike.
    ///   - overrides: `--set path=value` arguments, applied to the tree before decoding.
    public func decode(_ text: String, file: String, directory: String, overrides: [Override] = []) throws(DiagnosticError)
        -> Spec
    {
        let sink = DiagnosticSink()
        let root = Self.applying(overrides, to: try YAMLReader().read(text, file: file), sink: sink)
        let spec = decode(root, file: file, directory: directory, sink: sink)
        try sink.throwIfErrors()
        guard let spec else { throw DiagnosticError(sink.sorted) }
        return spec
    }

    /// A spec file's YAML tree with `--set` overrides applied, as `decode` reads it (for comparing what two
    /// specs say).
    ///
    /// - Throws: `DiagnosticError` for YAML syntax errors and overrides that do not apply.
    public func tree(_ text: String, file: String, overrides: [Override] = []) throws(DiagnosticError) -> YAMLNode {
        let sink = DiagnosticSink()
        let root = Self.applying(overrides, to: try YAMLReader().read(text, file: file), sink: sink)
        try sink.throwIfErrors()
        return root
    }

    private static func applying(_ overrides: [Override], to root: YAMLNode, sink: DiagnosticSink) -> YAMLNode {
        overrides.reduce(root) { tree, override in override.apply(to: tree, sink: sink) }
    }

    func decode(_ original: YAMLNode, file: String, directory: String, sink: DiagnosticSink) -> Spec? {
        let reader = NodeReader(sink: sink)
        let (root, points) = SweepExpander(sink: sink).expand(original)
        guard let top = reader.fields(root, of: "the spec", allowed: SpecKeys.top) else { return nil }
        if let version = top.required("lmc"), let number = reader.int(version, "'lmc' (the spec language version)"),
            number != 1
        {
            reader.rangeError(version, "this lmc reads spec version 1; the file declares version \(number)")
        }
        let name = top.required("name").flatMap { node in
            reader.string(node, "'name'").flatMap { checkName($0, at: node.location, sink: sink) }
        }
        let description = top.optional("description").flatMap { reader.string($0, "'description'") }
        let sections = SectionDecoder(reader: reader, directory: directory)
        // Entries that failed to decode still count as defined, so one mistake does not cascade into
        // "undefined name" errors everywhere the entry is used.
        var invalidNames = Set<String>()
        func section<Value>(
            _ key: String, where include: (YAMLNode) -> Bool = { _ in true }, _ decode: (YAMLNode, String) -> Value?
        ) -> [Named<Value>] {
            guard let node = top.optional(key), let entries = reader.entries(node, of: "'\(key)'") else { return [] }
            return entries.filter { include($0.value) }.compactMap { entry in
                // A generated name is the template's name plus `@var=value`; only the template's part is checked.
                let written = points[entry.key] == nil ? entry.key : String(entry.key.prefix { $0 != "@" })
                guard checkName(written, at: entry.keyLocation, sink: reader.sink) != nil,
                    let value = decode(entry.value, "\(key).\(entry.key)")
                else {
                    invalidNames.insert(entry.key)
                    return nil
                }
                return Named(name: entry.key, location: entry.keyLocation, value: value)
            }
        }
        // `networks:` holds trained entries and `load:` entries; they decode into two lists.
        let datasetNames = top.optional("datasets").flatMap { node -> [String]? in
            if case .mapping(let entries) = node.content { return entries.map(\.key) }
            return nil
        }
        let defaultDataset = datasetNames?.count == 1 ? datasetNames?.first : nil
        // `alignments:` likewise: pairwise entries and joint ones (with `networks:`).
        let has = { (key: String, node: YAMLNode) -> Bool in
            if case .mapping(let entries) = node.content { return entries.contains { $0.key == key } }
            return false
        }
        let isLoad = { (node: YAMLNode) -> Bool in has("load", node) }
        var spec = Spec(
            file: file, directory: directory, name: name ?? "", description: description,
            datasets: section("datasets", sections.dataset),
            models: section("models", sections.model),
            recipes: section("recipes", sections.recipe),
            networks: section("networks", where: { !isLoad($0) }, sections.network),
            loaded: section("networks", where: isLoad) { sections.loadedNetwork($0, $1, defaultDataset: defaultDataset) },
            pruning: section("pruning", sections.pruning),
            masked: section("masked", sections.masked),
            alignments: section("alignments", where: { !has("networks", $0) }, sections.alignment),
            jointAlignments: section("alignments", where: { has("networks", $0) }, sections.jointAlignment),
            interpolations: section("interpolations", sections.interpolation),
            evaluation: .standard,
            sweep: points.mapValues { $0.map { SweepCoordinate(name: $0.name, value: $0.value) } }
        )
        if let node = top.optional("evaluation"), let evaluation = sections.evaluation(node) {
            spec.evaluation = evaluation
        }
        if let node = top.optional("executor"), let executor = sections.executor(node) {
            spec.executor = executor
        }
        if spec.networks.isEmpty, !top.has("networks") {
            sink.error("missing-key", at: root.location, "the spec needs 'networks': there is nothing to train")
        }
        ReferenceChecker(spec: spec, invalid: invalidNames, sink: sink).check()
        return name == nil ? nil : spec
    }

    /// Names become parts of file and node names, so they are restricted to a safe alphabet.
    private func checkName(_ name: String, at location: SourceLocation, sink: DiagnosticSink) -> String? {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, allowed, !name.hasPrefix("."), name.count <= 100 else {
            sink.error(
                "bad-name", at: location,
                "'\(name)' is not a valid name: use letters, digits, '-', '_' and '.' (not first), at most 100")
            return nil
        }
        return name
    }
}
