/// Models declared layer by layer: `models: {net: {layers: [...]}}`.
///
/// Each entry is an operation name (`relu`, `gelu`, `flatten`, `global_avgpool`) or a mapping with one operation
/// key (`linear`, `conv`, `norm`, `relu`, `gelu`, `maxpool`, `avgpool`, `global_avgpool`, `flatten`, `add`,
/// `attention`, `position_embedding`, `block`) and its options. A layer reads the one before it unless
/// `from` names another; `add` names the two layers it sums, `attention` its queries, keys and values.
/// A `block` holds layers whose names get the block's prefix (`layer1.1.conv1`), optionally `repeat`ed
/// with the copy's number after the prefix; inside, `input` is the block's input and names refer to the
/// block's own layers first. Outside blocks, `input` is the model's input.
extension SectionDecoder {
    /// Options each operation takes besides `name` and `from`.
    static let optionsByOperation: [String: [String]] = [
        "linear": ["bias", "per"], "conv": ["kernel", "stride", "padding", "bias"], "norm": ["groups"], "attention": ["heads"],
        "block": ["repeat", "start", "layers"],
    ]
    static let maxLayers = 4096
    /// The operations a layer may name without options (`- relu`).
    static let bareOperations = ["relu", "gelu", "flatten", "global_avgpool"]

    /// The layers of a declared model, blocks expanded and references resolved to full names.
    func declaredLayers(_ node: YAMLNode, _ what: String) -> [LayerSpec]? {
        guard let items = reader.list(node, what) else { return nil }
        var builder = LayerListBuilder(reader: reader)
        builder.decode(items, scope: .init(prefix: "", input: LayerSpec.input), what: what)
        guard builder.ok else { return nil }
        if builder.layers.isEmpty {
            reader.rangeError(node, "\(what) must declare at least one layer")
            return nil
        }
        if builder.layers.count > Self.maxLayers {
            reader.rangeError(node, "\(what) declares \(builder.layers.count) layers; at most \(Self.maxLayers)")
            return nil
        }
        return builder.layers
    }
}

/// Expands one declared model's entries into a flat list of layers, reporting every problem.
struct LayerListBuilder {
    /// Where names are being defined: a block's prefix and what `input` means there.
    struct Scope {
        var prefix: String
        /// The full name `input` refers to.
        var input: String
        /// Full names by their short name, for layers defined in this block instance.
        var local: [String: String] = [:]
        /// Layers appended in this block instance so far.
        var count = 0
    }

    let reader: NodeReader
    var layers: [LayerSpec] = []
    var ok = true
    private var defined = Set([LayerSpec.input])

    init(reader: NodeReader) { self.reader = reader }

    mutating func decode(_ items: [YAMLNode], scope: Scope, what: String) {
        var scope = scope
        for item in items {
            if case .scalar = item.content {
                guard let op = reader.plainScalar(item), SectionDecoder.bareOperations.contains(op) else {
                    fail(
                        item, "unknown-value",
                        "a layer must be relu, gelu, flatten, global_avgpool or a mapping with one operation")
                    continue
                }
                append(op, name: nil, value: item, fields: nil, scope: &scope, at: item.location)
                continue
            }
            guard let f = reader.fields(item, of: "a layer of \(what)", allowed: SpecKeys.layerOperations + SpecKeys.layerOptions)
            else {
                ok = false
                continue
            }
            let ops = f.entries.filter { SpecKeys.layerOperations.contains($0.key) }
            guard ops.count == 1, let op = ops.first else {
                fail(
                    item, "missing-key",
                    ops.isEmpty
                        ? "a layer needs one operation: \(SpecKeys.layerOperations.joined(separator: ", "))"
                        : "a layer has one operation; this one has \(ops.map(\.key).joined(separator: " and "))")
                continue
            }
            let allowed = ["name", "from"] + (SectionDecoder.optionsByOperation[op.key] ?? [])
            for entry in f.entries where !SpecKeys.layerOperations.contains(entry.key) && !allowed.contains(entry.key) {
                fail(entry.value, "unknown-key", "'\(entry.key)' does not apply to a \(op.key) layer", at: entry.keyLocation)
            }
            let name = f.optional("name").flatMap { reader.string($0, "a layer's name") }
            if let node = f.optional("name"), let name, !Self.isValidName(name) {
                fail(
                    node, "bad-name",
                    "a layer's name uses letters, digits, '_', '-' and '.' (not starting or ending with '.'); got '\(name)'")
                continue
            }
            if op.key == "block" {
                block(f, op: op, name: name, scope: &scope, what: what)
            } else {
                append(op.key, name: name, value: op.value, fields: f, scope: &scope, at: item.location)
            }
        }
    }

    private mutating func block(_ f: Fields, op: YAMLNode.Entry, name: String?, scope: inout Scope, what: String) {
        guard let prefix = reader.string(op.value, "a block's prefix") else { return ok = false }
        guard Self.isValidName(prefix) else {
            return fail(op.value, "bad-name", "a block's prefix uses letters, digits, '_', '-' and '.'; got '\(prefix)'")
        }
        if name != nil, let node = f.optional("name") {
            return fail(node, "unknown-key", "a block is named by its 'block' value")
        }
        let repeats = f.optional("repeat").map { reader.int($0, "a block's repeat", atLeast: 1, atMost: 256) }
        let start = f.optional("start").map { reader.int($0, "a block's start", atLeast: 0, atMost: 10_000) } ?? 1
        guard let node = f.required("layers"), let items = reader.list(node, "a block's layers"), repeats != .some(nil),
            let start
        else { return ok = false }
        var input = scope.count == 0 ? scope.input : (layers.last?.name ?? scope.input)
        if let from = f.optional("from") {
            guard let resolved = resolve(from, in: scope) else { return }
            input = resolved
        }
        let copies: [String] = repeats.flatMap { $0 }.map { n in (start..<start + n).map { "\(prefix).\($0)" } } ?? [prefix]
        for copy in copies {
            decode(items, scope: Scope(prefix: scope.prefix + copy + ".", input: input), what: what)
            input = layers.last?.name ?? input
        }
        // Later layers refer to a block's last layer by the block's own name.
        if let last = layers.last?.name { scope.local[prefix] = last }
        scope.count += 1
    }

    private mutating func append(
        _ op: String, name: String?, value: YAMLNode, fields f: Fields?, scope: inout Scope, at location: SourceLocation
    ) {
        guard let operation = operation(op, value, f) else { return ok = false }
        let full: String
        if let name {
            full = scope.prefix + name
        } else if operation.hasTensors {
            return fail(
                value, "missing-key", "a \(op) layer needs a 'name': the prefix of its tensors (as in your state dict)",
                at: location)
        } else {
            full = "\(op)@\(layers.count + 1)"
        }
        guard !defined.contains(full) else {
            return fail(value, "duplicate-name", "a second layer named '\(full)'", at: f?.optional("name")?.location ?? location)
        }
        var inputs: [String] = []
        if let arity = operation.namedInputs {
            guard let list = reader.list(value, op), list.count == arity.count else {
                return fail(value, "type-mismatch", "\(op) must name \(arity.what), as \(arity.example)")
            }
            for reference in list {
                guard let resolved = resolve(reference, in: scope) else { return }
                inputs.append(resolved)
            }
            if f?.has("from") == true, let node = f?.optional("from") {
                return fail(node, "unknown-key", "'from' does not apply to \(op): its value names its inputs")
            }
        } else if let node = f?.optional("from") {
            guard let resolved = resolve(node, in: scope) else { return }
            inputs = [resolved]
        } else if !scope.prefix.isEmpty && scope.count == 0 {
            inputs = [scope.input]  // A block's first layer reads the block's input.
        }
        defined.insert(full)
        scope.count += 1
        if let name { scope.local[name] = full }
        layers.append(LayerSpec(name: full, operation: operation, inputs: inputs, location: location))
    }

    /// The operation of an entry `op: value` and its options.
    private func operation(_ op: String, _ value: YAMLNode, _ f: Fields?) -> LayerSpec.Operation? {
        let w = SectionDecoder.maxWidth
        func option(_ key: String, _ range: ClosedRange<Int>) -> Int?? {
            guard let node = f?.optional(key) else { return .some(nil) }
            guard let v = reader.int(node, "\(op).\(key)", atLeast: range.lowerBound, atMost: range.upperBound) else {
                return nil
            }
            return .some(v)
        }
        let bias = f?.optional("bias").map { reader.bool($0, "\(op).bias") } ?? true
        switch op {
        case "linear":
            let scope = f?.optional("per").map { reader.choice($0, "linear.per", as: LinearScope.self) }
            if case .some(nil) = scope { return nil }
            let perToken = scope == .token
            if reader.plainScalar(value) == "classes" {
                guard !perToken else {
                    reader.rangeError(value, "a per-token linear layer takes a number of outputs, not 'classes'")
                    return nil
                }
                return bias.map { .linear(outputs: nil, bias: $0) }
            }
            guard let n = reader.int(value, "linear (its outputs, or 'classes')", atLeast: 1, atMost: w), let bias else {
                return nil
            }
            return perToken ? .tokenLinear(outputs: n, bias: bias) : .linear(outputs: n, bias: bias)
        case "attention":
            return option("heads", 1...SectionDecoder.maxChannels).map { .attention(heads: $0 ?? 1) }
        case "conv":
            let channels = reader.int(value, "conv (its output channels)", atLeast: 1, atMost: SectionDecoder.maxChannels)
            guard let channels, let kernel = option("kernel", 1...15), let stride = option("stride", 1...8),
                let padding = option("padding", 0...14), let bias
            else { return nil }
            let k = kernel ?? 3
            let p = padding ?? k / 2
            if p >= k, let node = f?.optional("padding") {
                reader.rangeError(node, "conv.padding must be below the kernel size \(k); got \(p)")
                return nil
            }
            return .conv(channels: channels, kernel: k, stride: stride ?? 1, padding: p, bias: bias)
        case "norm":
            let norm = reader.choice(value, "norm", as: NormName.self), groups = option("groups", 1...SectionDecoder.maxChannels)
            guard let norm, let groups else { return nil }
            switch norm {
            case .group: return .norm(.group(groups ?? 1))
            case .batch, .layer:
                if let entry = f?.entries.first(where: { $0.key == "groups" }) {
                    reader.sink.error(
                        "unknown-key", at: entry.keyLocation, "'groups' applies to norm: group, not to norm: \(norm.rawValue)")
                    return nil
                }
                return .norm(norm == .batch ? .batch : .layer)
            }
        case "maxpool":
            guard let k = reader.int(value, "maxpool (its window size)", atLeast: 1, atMost: 64) else { return nil }
            guard k == 2 else {
                reader.rangeError(value, "maxpool takes 2×2 windows (maxpool: 2); got \(k) (avgpool takes any size)")
                return nil
            }
            return .maxPool(kernel: k)
        case "avgpool":
            return reader.int(value, "avgpool (its window size)", atLeast: 1, atMost: 64).map { .averagePool(kernel: $0) }
        case "relu", "gelu", "flatten", "global_avgpool", "position_embedding":
            if value.kindDescription != "null" && reader.plainScalar(value) != op {
                reader.typeError(value, expected: "empty (write '\(op):' with no value)", for: op)
                return nil
            }
            switch op {
            case "relu": return .relu
            case "gelu": return .gelu
            case "flatten": return .flatten
            case "position_embedding": return .positionEmbedding
            default: return .globalAveragePool
            }
        case "add": return .add
        default: return nil
        }
    }

    /// What `linear.per` takes: `sample` (the default: a C×1×1 input) or `token` (every position).
    private enum LinearScope: String, CaseIterable {
        case sample, token
    }

    /// The names `norm:` takes.
    private enum NormName: String, CaseIterable {
        case batch, group, layer
    }

    /// The full name a reference denotes: a layer of this block instance, the block's input, or any layer
    /// defined before (by full name).
    private mutating func resolve(_ node: YAMLNode, in scope: Scope) -> String? {
        guard let name = reader.string(node, "a layer reference") else {
            ok = false
            return nil
        }
        if name == LayerSpec.input { return scope.input }
        if let local = scope.local[name] { return local }
        if defined.contains(name) { return name }
        let candidates = Array(scope.local.keys) + layers.map(\.name)
        fail(
            node, "dangling-reference",
            "no layer named '\(name)' before this one\(Suggestion.hint(for: name, among: candidates))")
        return nil
    }

    private mutating func fail(_ node: YAMLNode, _ code: String, _ message: String, at location: SourceLocation? = nil) {
        reader.sink.error(code, at: location ?? node.location, message)
        ok = false
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.hasSuffix(".") && !name.contains("..")
            && name.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)
            }
    }
}

extension LayerSpec.Operation {
    /// For operations whose value names their inputs: how many, and how an error message says it.
    fileprivate var namedInputs: (count: Int, what: String, example: String)? {
        switch self {
        case .add: (2, "the two layers it sums", "[a, b]")
        case .attention: (3, "the layers of its queries, keys and values", "[q, k, v]")
        default: nil
        }
    }
}
