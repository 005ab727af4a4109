extension SectionDecoder {
    /// A pairwise alignment (`align:` and `to:`).
    func alignment(_ node: YAMLNode, _ what: String) -> AlignmentSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.alignment) else { return nil }
        if let networks = f.optional("networks") {
            reader.sink.error("unknown-key", at: networks.location, "'networks' does not go with 'align' (a pairwise alignment)")
        }
        let network = f.required("align").flatMap { reader.reference($0, "\(what).align") }
        let target = f.required("to").flatMap { reader.reference($0, "\(what).to") }
        guard let (name, methodNode) = methodName(f, what) else { return nil }
        guard Self.pairwiseMethods.contains(name) else {
            unknownMethod(name, at: methodNode, what, options: Self.pairwiseMethods)
            return nil
        }
        let method = pairwiseMethod(name, f)
        let at = f.optional("at").map { moments($0, "\(what).at", allowCheckpoints: true) } ?? .moments([.end])
        guard let method, let network, let target, let at else { return nil }
        return AlignmentSpec(method: method, network: network, target: target, at: at, atLocation: f.optional("at")?.location)
    }

    /// A joint alignment of N networks (`networks:`): `merge-many`, `merge-many-activations`,
    /// `straight-through` (without `to:`), or a pairwise method with `to:`, every network aligned to that
    /// reference.
    func jointAlignment(_ node: YAMLNode, _ what: String) -> JointAlignmentSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.alignment) else { return nil }
        for key in ["align", "at"] {
            if let node = f.optional(key) {
                reader.sink.error(
                    "unknown-key", at: node.location,
                    "'\(key)' does not apply to a joint alignment (`networks:`), which is found at the end of training")
            }
        }
        guard let listNode = f.required("networks"), let items = reader.list(listNode, "\(what).networks") else { return nil }
        let networks = items.compactMap { reader.reference($0, "a network") }
        guard networks.count == items.count else { return nil }
        guard networks.count >= 2 else {
            reader.rangeError(listNode, "\(what).networks must name two or more networks; got \(networks.count)")
            return nil
        }
        guard let (name, methodNode) = methodName(f, what) else { return nil }
        let reference = f.optional("to").flatMap { reader.reference($0, "\(what).to") }
        let method: JointAlignmentSpec.Method?
        switch name {
        case "straight-through" where reference == nil:
            guard case .straightThrough(let e, let b, let lr, let m, let sweeps, let seed)? = pairwiseMethod(name, f) else {
                return nil
            }
            method = .straightThrough(epochs: e, batchSize: b, learningRate: lr, momentum: m, maxSweeps: sweeps, seed: seed)
        case "weight-matching", "activation-matching", "straight-through":
            guard reference != nil else {
                reader.sink.error(
                    "missing-key", at: f.node.location,
                    "\(what): \(name) over 'networks' aligns each of them to one reference: name it with 'to'")
                return nil
            }
            method = pairwiseMethod(name, f).map { .reference($0) }
        case "merge-many":
            rejectKeys(["samples", "similarity"] + Self.straightThroughKeys, in: f, for: name)
            method = weightMatchingMethod(f, what).map { .mergeMany(maxSweeps: $0.0, seed: $0.1, restarts: $0.2) }
        case "merge-many-activations":
            rejectKeys(["seed", "restarts"] + Self.straightThroughKeys, in: f, for: name)
            let sweeps = f.optional("max_sweeps").map { reader.int($0, "max_sweeps", atLeast: 1, atMost: 10_000) } ?? 100
            method = activationMatchingMethod(f).flatMap { samples, similarity in
                sweeps.map { .mergeManyActivations(samples: samples, similarity: similarity, maxSweeps: $0) }
            }
        default:
            unknownMethod(
                name, at: methodNode, what,
                options: ["merge-many", "merge-many-activations"] + Self.pairwiseMethods)
            return nil
        }
        if name.hasPrefix("merge-many"), let to = f.optional("to") {
            reader.sink.error("unknown-key", at: to.location, "'to' does not apply to \(name): it has no reference network")
            return nil
        }
        guard let method else { return nil }
        return JointAlignmentSpec(method: method, networks: networks, reference: reference)
    }

    private func methodName(_ f: Fields, _ what: String) -> (String, YAMLNode)? {
        guard let node = f.required("method"), let name = reader.string(node, "\(what).method") else { return nil }
        return (name, node)
    }

    private func unknownMethod(_ name: String, at node: YAMLNode, _ what: String, options: [String]) {
        let listed = options.dropLast().joined(separator: ", ") + " or " + (options.last ?? "")
        reader.sink.error(
            "unknown-value", at: node.location,
            "\(what).method must be \(listed); got '\(name)'" + Suggestion.hint(for: name, among: options))
    }

    static let pairwiseMethods = ["weight-matching", "activation-matching", "straight-through"]
    static let straightThroughKeys = ["epochs", "batch", "lr", "momentum"]

    /// A pairwise method with its options (the others' rejected).
    private func pairwiseMethod(_ name: String, _ f: Fields) -> AlignmentSpec.Method? {
        switch name {
        case "weight-matching":
            rejectKeys(["samples", "similarity"] + Self.straightThroughKeys, in: f, for: name)
            return weightMatchingMethod(f, f.what).map { .weightMatching(maxSweeps: $0.0, seed: $0.1, restarts: $0.2) }
        case "straight-through":
            rejectKeys(["samples", "similarity", "restarts"], in: f, for: name)
            let epochs = f.optional("epochs").map { reader.int($0, "epochs", atLeast: 1, atMost: 1000) } ?? 1
            let batch = f.optional("batch").map { reader.int($0, "batch", atLeast: 1, atMost: 1 << 16) } ?? 128
            let lr = f.optional("lr").map { reader.double($0, "lr", min: 0, minOpen: true) } ?? 0.01
            let momentum = f.optional("momentum").map { reader.double($0, "momentum", min: 0, max: 0.999) } ?? 0.9
            guard let epochs, let batch, let lr, let momentum, let matching = weightMatchingMethod(f, f.what) else {
                return nil
            }
            return .straightThrough(
                epochs: epochs, batchSize: batch, learningRate: lr, momentum: momentum, maxSweeps: matching.0,
                seed: matching.1)
        default:
            rejectKeys(["max_sweeps", "seed", "restarts"] + Self.straightThroughKeys, in: f, for: name)
            return activationMatchingMethod(f).map { .activationMatching(samples: $0, similarity: $1) }
        }
    }

    /// `max_sweeps` (100), `seed` (0) and `restarts` (1, written nil so that keys without it do not change).
    private func weightMatchingMethod(_ f: Fields, _ what: String) -> (Int, UInt64, Int?)? {
        let sweeps = f.optional("max_sweeps").map { reader.int($0, "max_sweeps", atLeast: 1, atMost: 10_000) } ?? 100
        let seed = f.optional("seed").map { reader.seed($0, "\(what).seed") } ?? 0
        let restarts = f.optional("restarts").map { reader.int($0, "restarts", atLeast: 1, atMost: 1000) } ?? 1
        guard let sweeps, let seed, let restarts else { return nil }
        return (sweeps, seed, restarts == 1 ? nil : restarts)
    }

    /// `samples` (10,000) and `similarity` (correlation).
    private func activationMatchingMethod(_ f: Fields) -> (Int, AlignmentSpec.Similarity)? {
        let samples = f.optional("samples").map { reader.int($0, "samples", atLeast: 2, atMost: 10_000_000) } ?? 10_000
        let similarity =
            f.optional("similarity").map { reader.choice($0, "similarity", as: AlignmentSpec.Similarity.self) } ?? .correlation
        guard let samples, let similarity else { return nil }
        return (samples, similarity)
    }

    private func rejectKeys(_ keys: [String], in f: Fields, for method: String) {
        for key in keys {
            if let node = f.optional(key) {
                reader.sink.error("unknown-key", at: node.location, "'\(key)' does not apply to \(method)")
            }
        }
    }

    func interpolation(_ node: YAMLNode, _ what: String) -> InterpolationSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.interpolation) else { return nil }
        let at = f.optional("at").map { moments($0, "\(what).at", allowCheckpoints: true) } ?? .moments([.end])
        var permute: Reference?, permuteFrom: Reference?
        if let node = f.optional("permute") {
            if case .sequence(let items) = node.content {
                guard items.count == 2 else {
                    reader.rangeError(node, "\(what).permute as a list names two alignments, one per network; got \(items.count)")
                    return nil
                }
                permuteFrom = reader.reference(items[0], "an alignment")
                permute = reader.reference(items[1], "an alignment")
                guard permuteFrom != nil, permute != nil else { return nil }
            } else {
                permute = reader.reference(node, "\(what).permute")
            }
        }
        guard let betweenNode = f.required("between"), let items = reader.list(betweenNode, "\(what).between") else {
            return nil
        }
        guard (2...64).contains(items.count) else {
            reader.rangeError(
                betweenNode,
                "\(what).between must name two networks (a path) or three to 64 (a simplex); got \(items.count)")
            return nil
        }
        let between = items.compactMap { reader.reference($0, "a network") }
        guard between.count == items.count else { return nil }
        if between.count >= 3 {
            if let at = f.optional("at") {
                reader.rangeError(
                    at, "\(what): an interpolation of three or more networks is measured at the end of training only")
                return nil
            }
            if between.count > 3, permuteFrom != nil, let node = f.optional("permute") {
                reader.rangeError(
                    node, "\(what).permute for \(between.count) networks names one joint alignment (`networks:`) of them all")
                return nil
            }
        }
        var repair = false
        if let node = f.optional("repair") {
            guard let value = reader.bool(node, "\(what).repair") else { return nil }
            repair = value
        }
        guard let at else { return nil }
        return InterpolationSpec(
            between: between, permute: permute, permuteFrom: permuteFrom, at: at, atLocation: f.optional("at")?.location,
            repair: repair)
    }
}
