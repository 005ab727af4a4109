extension SectionDecoder {
    /// `at:`: `end`, `checkpoints` (when allowed), a step, or a list of steps and `end`.
    func moments(_ node: YAMLNode, _ what: String, allowCheckpoints: Bool) -> MomentSelection? {
        let expected = allowCheckpoints ? "a step, end, checkpoints, or a list of steps" : "a step, end, or a list of steps"
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
        return moment(node).map { .moments([$0]) }
    }
}
