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
        guard let f = reader.fields(node, of: what, allowed: ["network", "levels", "rate", "rewind", "output"]) else {
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
