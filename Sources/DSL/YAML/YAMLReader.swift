internal import CYAML

/// Reads YAML text into a `YAMLNode` tree through libyaml's event API, keeping every node's location.
///
/// Beyond what libyaml checks, the reader rejects what would silently hide a mistake: duplicate keys,
/// non-scalar keys, undefined aliases, a second document, and inputs or alias expansions past fixed limits.
/// Merge keys (`<<: *base`) are applied: explicit keys win over merged ones.
public struct YAMLReader: Sendable {
    /// Largest accepted input, in bytes.
    public var maxBytes = 4 << 20
    /// Deepest accepted nesting of lists and mappings.
    public var maxDepth = 64
    /// Most nodes the tree may hold after alias expansion (guards against "billion laughs").
    public var maxNodes = 200_000

    public init() {}

    /// Parses one YAML document.
    ///
    /// - Parameters:
    ///   - text: The document's text.
    ///   - file: The name used in locations.
    /// - Returns: The root node; an empty document yields an empty mapping.
    /// - Throws: `DiagnosticError` with every problem found.
    public func read(_ text: String, file: String) throws(DiagnosticError) -> YAMLNode {
        let sink = DiagnosticSink()
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard text.utf8.count <= maxBytes else {
            sink.error("too-large", at: start, "the spec is \(text.utf8.count) bytes; the limit is \(maxBytes)")
            throw DiagnosticError(sink.sorted)
        }
        let builder = TreeBuilder(file: file, text: text, limits: self, sink: sink)
        var bytes = Array(text.utf8)
        bytes.append(0)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            builder.run(buffer.baseAddress, count: buffer.count - 1)
        }
        try sink.throwIfErrors()
        return parsed ?? YAMLNode(content: .mapping([]), location: start)
    }
}

/// Drives libyaml and assembles the tree.
///
/// Owns the parser for its whole life.
private final class TreeBuilder {
    private enum Frame {
        case sequence([YAMLNode], SourceLocation, anchor: String?)
        case mapping([YAMLNode.Entry], pendingKey: YAMLNode?, SourceLocation, anchor: String?)
    }

    private let file: String
    /// The spec's lines, to place a syntax error where the mistake most likely is.
    private let lines: [Substring]
    private let limits: YAMLReader
    private let sink: DiagnosticSink
    private var parser = yaml_parser_t()
    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var nodeCount = 0
    private var documents = 0
    private var root: YAMLNode?

    init(file: String, text: String, limits: YAMLReader, sink: DiagnosticSink) {
        self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.limits = limits
        self.sink = sink
        yaml_parser_initialize(&parser)
    }

    deinit { yaml_parser_delete(&parser) }

    /// Runs the whole event loop while `input` is alive: libyaml keeps the pointer.
    func run(_ input: UnsafePointer<UInt8>?, count: Int) -> YAMLNode? {
        guard let input else { return nil }
        yaml_parser_set_input_string(&parser, input, count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                reportParserError()
                return nil
            }
            defer { yaml_event_delete(&event) }
            let keepGoing = handle(&event)
            if !keepGoing || event.type == YAML_STREAM_END_EVENT { break }
        }
        return root
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private func reportParserError() {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) + ": " } ?? ""
        var at = location(parser.problem_mark)
        var message = "invalid YAML: \(context)\(problem)"
        var notes: [Diagnostic] = []
        let opened = location(parser.context_mark)
        // libyaml notices an unclosed [ or { only at the next token, often lines later: the closing bracket
        // most likely belongs at the end of the last line before it that holds something.
        if context.hasPrefix("while parsing a flow"), problem.hasPrefix("did not find expected"), at.line > opened.line,
            let line = (opened.line..<at.line).reversed().first(where: { !content($0).isEmpty })
        {
            let kind = context.contains("mapping") ? "mapping" : "sequence"
            at = SourceLocation(file: file, line: line, column: content(line).unicodeScalars.count + 1)
            message = "invalid YAML: the flow \(kind) opened at \(opened.line):\(opened.column) is not closed: \(problem)"
            notes.append(.note("the \(kind) opens here", at: opened))
        }
        if (1...lines.count).contains(at.line), lines[at.line - 1].contains("${") {
            message += "; inside [ ] or { }, quote a value that holds ${…}: \"${w}\""
        }
        sink.error("yaml-syntax", at: at, message, notes: notes)
    }

    /// Line `n` (from 1) without its comment and trailing spaces.
    private func content(_ n: Int) -> Substring {
        guard (1...lines.count).contains(n) else { return "" }
        var line = lines[n - 1]
        if let hash = line.firstIndex(of: "#"), hash == line.startIndex || line[line.index(before: hash)] == " " {
            line = line[..<hash]
        }
        while let last = line.last, last == " " || last == "\t" || last == "\r" { line = line.dropLast() }
        return line
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// Handles one event; returns false to stop reading.
    private func handle(_ event: inout yaml_event_t) -> Bool {
        let here = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                sink.error("multiple-documents", at: here, "a spec holds one YAML document; found a second")
                return false
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text =
                scalar.value.map { value in
                    String(decoding: UnsafeBufferPointer(start: value, count: scalar.length), as: UTF8.self)
                } ?? ""
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.plain_implicit != 0
            return add(
                YAMLNode(content: .scalar(text, plain: plain), location: here),
                anchor: Self.string(scalar.anchor), size: 1)
        case YAML_SEQUENCE_START_EVENT:
            guard checkDepth(at: here) else { return false }
            stack.append(.sequence([], here, anchor: Self.string(event.data.sequence_start.anchor)))
        case YAML_MAPPING_START_EVENT:
            guard checkDepth(at: here) else { return false }
            stack.append(.mapping([], pendingKey: nil, here, anchor: Self.string(event.data.mapping_start.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return true }
            switch frame {
            case .sequence(let items, let start, let anchor):
                return add(YAMLNode(content: .sequence(items), location: start), anchor: anchor, size: 1)
            case .mapping(let entries, _, let start, let anchor):
                return add(YAMLNode(content: .mapping(entries), location: start), anchor: anchor, size: 1)
            }
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                sink.error("undefined-alias", at: here, "alias '*\(name)' refers to no anchor defined before it")
                return true
            }
            return add(relocated(target.node, to: here), anchor: nil, size: target.size)
        default:
            break
        }
        return true
    }

    private func checkDepth(at location: SourceLocation) -> Bool {
        guard stack.count < limits.maxDepth else {
            sink.error("too-deep", at: location, "nesting deeper than \(limits.maxDepth) levels")
            return false
        }
        return true
    }

    /// An alias's copy keeps its own nodes' locations, except the root, which points at the alias.
    private func relocated(_ node: YAMLNode, to location: SourceLocation) -> YAMLNode {
        var copy = node
        copy.location = location
        return copy
    }

    private func add(_ node: YAMLNode, anchor: String?, size: Int) -> Bool {
        nodeCount += size
        guard nodeCount <= limits.maxNodes else {
            sink.error(
                "too-large", at: node.location,
                "the document expands to more than \(limits.maxNodes) nodes (aliases included)")
            return false
        }
        if let anchor { anchors[anchor] = (node, subtreeSize(node)) }
        guard let top = stack.popLast() else {
            root = node
            return true
        }
        switch top {
        case .sequence(var items, let start, let anchor):
            items.append(node)
            stack.append(.sequence(items, start, anchor: anchor))
        case .mapping(var entries, let pendingKey, let start, let anchor):
            if let key = pendingKey {
                insert(key: key, value: node, into: &entries)
                stack.append(.mapping(entries, pendingKey: nil, start, anchor: anchor))
            } else {
                stack.append(.mapping(entries, pendingKey: node, start, anchor: anchor))
            }
        }
        return true
    }

    private func subtreeSize(_ node: YAMLNode) -> Int {
        switch node.content {
        case .scalar: return 1
        case .sequence(let items): return 1 + items.reduce(0) { $0 + subtreeSize($1) }
        case .mapping(let entries): return 1 + entries.reduce(0) { $0 + 1 + subtreeSize($1.value) }
        }
    }

    private func insert(key: YAMLNode, value: YAMLNode, into entries: inout [YAMLNode.Entry]) {
        guard case .scalar(let name, let plain) = key.content else {
            sink.error("non-scalar-key", at: key.location, "mapping keys must be plain names, not \(key.kindDescription)")
            return
        }
        if name == "<<" && plain {
            merge(value, into: &entries)
            return
        }
        if let index = entries.firstIndex(where: { $0.key == name && $0.isMerged }) {
            entries[index] = .init(key: name, keyLocation: key.location, value: value)
            return
        }
        if let first = entries.first(where: { $0.key == name }) {
            sink.error(
                "duplicate-key", at: key.location, "duplicate key '\(name)'",
                notes: [.note("'\(name)' first defined here", at: first.keyLocation)])
            return
        }
        entries.append(.init(key: name, keyLocation: key.location, value: value))
    }

    /// Merge keys: entries of the merged mappings fill in keys the mapping does not set itself.
    private func merge(_ value: YAMLNode, into entries: inout [YAMLNode.Entry]) {
        let sources: [YAMLNode]
        switch value.content {
        case .mapping: sources = [value]
        case .sequence(let items): sources = items
        case .scalar:
            sink.error("bad-merge", at: value.location, "'<<' takes a mapping or a list of mappings")
            return
        }
        for source in sources {
            guard case .mapping(let merged) = source.content else {
                sink.error("bad-merge", at: source.location, "'<<' takes a mapping or a list of mappings")
                continue
            }
            for var entry in merged where !entries.contains(where: { $0.key == entry.key }) {
                entry.isMerged = true
                entries.append(entry)
            }
        }
    }
}
