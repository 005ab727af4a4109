extension SectionDecoder {
    /// `at:`: `end`, `checkpoints` (when allowed), a step, or a list of steps and `end`.
    func moments(_ node: YAMLNode, _ what: String, allowCheckpoints: Bool) -> MomentSelection? {
        let expected =
            allowCheckpoints ? "a step, end, checkpoints, levels, or a list of steps" : "a step, end, or a list of steps"
        func moment(_ item: YAMLNode) -> Moment? {
            if reader.plainScalar(item) == "end" { return .end }
            guard let text = reader.plainScalar(item), Int(text.replacingUnderscores) != nil else {
                reader.typeError(item, expected: expected, for: what)
                return nil
            }
            return reader.int(item, what, atLeast: 0).map(Moment.step)
        }
        if case .sequence(let items) = node.content {
            guard !items.isEmpty else {
                reader.rangeError(node, "\(what) must list at least one moment")
                return nil
            }
            let moments = items.map(moment)
            guard moments.allSatisfy({ $0 != nil }) else { return nil }
            return .moments(Array(Set(moments.compactMap { $0 })).sorted())
        }
        if allowCheckpoints && reader.plainScalar(node) == "checkpoints" { return .checkpoints }
        if allowCheckpoints && reader.plainScalar(node) == "levels" { return .levels }
        return moment(node).map { .moments([$0]) }
    }
}

extension SectionDecoder {
    func pruning(_ node: YAMLNode, _ what: String) -> PruningSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.pruning) else {
            return nil
        }
        let network = f.required("network").flatMap { reader.reference($0, "\(what).network") }
        let levels = f.required("levels").flatMap { reader.int($0, "\(what).levels", atLeast: 1, atMost: 100) }
        let rate =
            f.optional("rate").map { reader.double($0, "\(what).rate", min: 0, minOpen: true, max: 0.99) } ?? 0.2
        let rewind = f.optional("rewind").map { reader.int($0, "\(what).rewind", atLeast: 0) } ?? 0
        let output =
            f.optional("output").map { reader.choice($0, "\(what).output", as: PruningSpec.OutputLayer.self) } ?? .half
        guard let network, let levels, let rate, let rewind, let output else { return nil }
        return PruningSpec(
            network: network, levels: levels, rate: rate, rewind: rewind, output: output,
            rewindLocation: f.optional("rewind")?.location)
    }
}

extension SectionDecoder {
    func masked(_ node: YAMLNode, _ what: String) -> MaskedSpec? {
        guard
            let f = reader.fields(node, of: what, allowed: SpecKeys.masked)
        else { return nil }
        let network = f.required("network").flatMap { reader.reference($0, "\(what).network") }
        let rewind = f.required("rewind").flatMap { reader.int($0, "\(what).rewind", atLeast: 0) }
        let mask = f.required("mask").flatMap { reader.reference($0, "\(what).mask") }
        let level = f.required("level").flatMap { reader.int($0, "\(what).level", atLeast: 1, atMost: 100) }
        var transport: MaskedSpec.Transport?
        if let node = f.required("transport"), let word = reader.string(node, "\(what).transport") {
            switch word {
            case "as-is": transport = .asIs
            case "random":
                transport = (f.optional("seed").map { reader.seed($0, "\(what).seed") } ?? 0).map { .random(seed: $0) }
            default: transport = .permuted(Reference(name: word, location: node.location))
            }
            if word != "random", let seed = f.optional("seed") {
                reader.sink.error("unknown-key", at: seed.location, "'seed' applies only to transport: random")
            }
        }
        guard let network, let rewind, let mask, let level, let transport else { return nil }
        return MaskedSpec(
            network: network, rewind: rewind, mask: mask, level: level, transport: transport,
            levelLocation: f.optional("level")?.location, rewindLocation: f.optional("rewind")?.location)
    }
}

extension SectionDecoder {
    /// `{model: m, load: FILE, layers: [...]}`; `data` may be left out when the spec has one dataset.
    func loadedNetwork(_ node: YAMLNode, _ what: String, defaultDataset: String?) -> LoadedNetworkSpec? {
        guard let f = reader.fields(node, of: what + " (loaded)", allowed: SpecKeys.loadedNetwork) else { return nil }
        let model = f.required("model").flatMap { reader.reference($0, "\(what).model") }
        let data: Reference?
        if let node = f.optional("data") {
            data = reader.reference(node, "\(what).data")
        } else if let defaultDataset {
            data = Reference(name: defaultDataset, location: node.location)
        } else {
            data = f.required("data").flatMap { reader.reference($0, "\(what).data") }
        }
        let file = f.required("load").flatMap { reader.string($0, "\(what).load") }
        var layers: [String]?
        if let node = f.optional("layers"), let items = reader.list(node, "\(what).layers") {
            let names = items.compactMap { reader.string($0, "a tensor prefix") }
            guard names.count == items.count, !names.isEmpty else { return nil }
            layers = names
        }
        guard let model, let data, let file else { return nil }
        return LoadedNetworkSpec(model: model, data: data, file: resolve(file), layers: layers)
    }
}
