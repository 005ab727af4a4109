/// Checks that every name a spec uses is defined, of the right kind, and consistent with its neighbours.
struct ReferenceChecker {
    let spec: Spec
    /// Names of entries that failed to decode (already reported): references to them are not errors.
    let invalid: Set<String>
    let sink: DiagnosticSink

    private enum Kind: String {
        case dataset, model, recipe, network, alignment, interpolation
        case pruning = "pruning sequence"
    }

    private func kinds(of name: String) -> [Kind] {
        var result: [Kind] = []
        if spec.datasets.named(name) != nil { result.append(.dataset) }
        if spec.models.named(name) != nil { result.append(.model) }
        if spec.recipes.named(name) != nil { result.append(.recipe) }
        if spec.networks.named(name) != nil || spec.masked.named(name) != nil || spec.loaded.named(name) != nil {
            result.append(.network)
        }
        if spec.pruning.named(name) != nil { result.append(.pruning) }
        if spec.alignments.named(name) != nil || spec.jointAlignments.named(name) != nil { result.append(.alignment) }
        if spec.interpolations.named(name) != nil { result.append(.interpolation) }
        return result
    }

    /// Reports a reference that names nothing of `kind`; returns whether it resolves.
    @discardableResult
    private func resolve(_ reference: Reference, as kind: Kind, candidates: [String]) -> Bool {
        if candidates.contains(reference.name) { return true }
        if invalid.contains(reference.name) { return false }
        if let other = kinds(of: reference.name).first {
            sink.error(
                "wrong-kind", at: reference.location,
                "'\(reference.name)' is \(article(other)) \(other.rawValue), not \(article(kind)) \(kind.rawValue)")
        } else {
            let defined =
                candidates.isEmpty
                ? "; no \(kind.rawValue)s are defined" : Suggestion.hint(for: reference.name, among: candidates)
            sink.error("dangling-reference", at: reference.location, "no \(kind.rawValue) named '\(reference.name)'\(defined)")
        }
        return false
    }

    private func article(_ kind: Kind) -> String { kind == .alignment || kind == .interpolation ? "an" : "a" }

    /// A masked network: a trained network, a pruning level that exists, a kept rewind checkpoint, and an
    /// alignment from the network to the mask's network when the mask is permuted.
    private func checkMasked(_ entry: Named<MaskedSpec>) {
        let m = entry.value
        let trained = resolve(m.network, as: .network, candidates: spec.networks.map(\.name))
        if resolve(m.mask, as: .pruning, candidates: spec.pruning.map(\.name)),
            let donor = spec.pruning.named(m.mask.name)?.value,
            m.level > donor.levels
        {
            sink.error(
                "out-of-range", at: m.levelLocation ?? entry.location,
                "pruning '\(m.mask.name)' has \(donor.levels) levels; level \(m.level) does not exist")
        }
        guard trained else { return }
        if let kept = spec.networks.named(m.network.name).flatMap({ spec.recipes.named($0.value.recipe.name)?.value.checkpoints }
        ),
            !kept.contains(m.rewind)
        {
            sink.error(
                "unknown-checkpoint", at: m.rewindLocation ?? entry.location,
                "network '\(m.network.name)' keeps no checkpoint at step \(m.rewind) to rewind to")
        }
        if case .permuted(let alignment) = m.transport, spec.jointAlignments.named(alignment.name) != nil {
            sink.error(
                "wrong-kind", at: alignment.location,
                "transport '\(alignment.name)' is a joint alignment; a mask is carried by a pairwise one (align:, to:)")
            return
        }
        if case .permuted(let alignment) = m.transport,
            resolve(alignment, as: .alignment, candidates: spec.alignments.map(\.name)),
            let a = spec.alignments.named(alignment.name)?.value, refersToNetworks(a),
            let donor = spec.pruning.named(m.mask.name)?.value,
            a.network.name != m.network.name || a.target.name != donor.network.name
        {
            sink.error(
                "wrong-direction", at: alignment.location,
                "transport '\(alignment.name)' must align '\(m.network.name)' to '\(donor.network.name)' (the mask's network); it aligns '\(a.network.name)' to '\(a.target.name)'"
            )
        }
    }

    func check() {
        let networks =
            spec.networks.map(\.name) + spec.loaded.map(\.name) + spec.pruning.map(\.name) + spec.masked.map(\.name)
        for entry in spec.loaded {
            resolve(entry.value.model, as: .model, candidates: spec.models.map(\.name))
            resolve(entry.value.data, as: .dataset, candidates: spec.datasets.map(\.name))
        }
        spec.masked.forEach(checkMasked)
        for sequence in spec.pruning {
            let p = sequence.value
            guard resolve(p.network, as: .network, candidates: spec.networks.map(\.name)) else { continue }
            let kept = spec.networks.named(p.network.name).flatMap { spec.recipes.named($0.value.recipe.name)?.value.checkpoints }
            if let kept, !kept.contains(p.rewind) {
                let listed = kept.isEmpty ? "none" : kept.map(String.init).joined(separator: ", ")
                sink.error(
                    "unknown-checkpoint", at: p.rewindLocation ?? sequence.location,
                    "pruning '\(sequence.name)' rewinds to step \(p.rewind), which network '\(p.network.name)' does not keep (its recipe keeps: \(listed))"
                )
            }
        }
        for network in spec.networks {
            resolve(network.value.model, as: .model, candidates: spec.models.map(\.name))
            resolve(network.value.data, as: .dataset, candidates: spec.datasets.map(\.name))
            resolve(network.value.recipe, as: .recipe, candidates: spec.recipes.map(\.name))
        }
        for alignment in spec.alignments {
            let a = alignment.value
            let both = [
                resolve(a.network, as: .network, candidates: networks), resolve(a.target, as: .network, candidates: networks),
            ]
            if both.allSatisfy({ $0 }) {
                checkCompatible(a.network, a.target)
                checkMoments(a.at, at: a.atLocation ?? alignment.location, networks: [a.network, a.target])
            }
            if a.network.name == a.target.name {
                sink.error(
                    "self-alignment", at: a.target.location, "alignment '\(alignment.name)' aligns '\(a.network.name)' to itself")
            }
        }
        for alignment in spec.jointAlignments { checkJoint(alignment, networks: networks) }
        for interpolation in spec.interpolations { checkInterpolation(interpolation, networks: networks) }
    }

    private func checkJoint(_ entry: Named<JointAlignmentSpec>, networks: [String]) {
        let a = entry.value
        let members = a.networks + (a.reference.map { [$0] } ?? [])
        let resolved = members.filter { resolve($0, as: .network, candidates: networks) }
        for other in resolved.dropFirst() { checkCompatible(resolved[0], other) }
        var seen = Set<String>()
        for network in a.networks where !seen.insert(network.name).inserted {
            sink.error("duplicate-key", at: network.location, "joint alignment '\(entry.name)' lists '\(network.name)' twice")
        }
        for network in resolved where spec.pruning.named(network.name) != nil {
            sink.error(
                "wrong-kind", at: network.location,
                "joint alignment '\(entry.name)': '\(network.name)' is a pruning sequence; a joint alignment takes networks at the end of training"
            )
        }
    }

    private func checkInterpolation(_ entry: Named<InterpolationSpec>, networks: [String]) {
        let i = entry.value
        let resolved = i.between.map { resolve($0, as: .network, candidates: networks) }
        guard resolved.allSatisfy({ $0 }) else { return }
        for other in i.between.dropFirst() { checkCompatible(i.from, other) }
        var seen = Set<String>()
        for network in i.between where !seen.insert(network.name).inserted {
            sink.error("duplicate-key", at: network.location, "interpolation '\(entry.name)' lists '\(network.name)' twice")
        }
        if i.between.count == 2 { checkMoments(i.at, at: i.atLocation ?? entry.location, networks: [i.from, i.to]) }
        guard let permute = i.permute else { return }
        if let joint = spec.jointAlignments.named(permute.name)?.value {
            if let first = i.permuteFrom {
                sink.error(
                    "wrong-kind", at: first.location,
                    "'\(permute.name)' is a joint alignment: it alone carries every network of '\(entry.name)' into one order")
                return
            }
            let aligned = Set(joint.networks.map(\.name) + (joint.reference.map { [$0.name] } ?? []))
            for network in i.between where !aligned.contains(network.name) {
                sink.error(
                    "wrong-direction", at: permute.location,
                    "joint alignment '\(permute.name)' does not align '\(network.name)'; it aligns \(joint.networks.map { "'\($0.name)'" }.joined(separator: ", "))"
                )
            }
            return
        }
        // An alignment whose own networks are misspelt was reported there; its direction is no second error.
        guard resolve(permute, as: .alignment, candidates: spec.alignments.map(\.name) + spec.jointAlignments.map(\.name)),
            let alignment = spec.alignments.named(permute.name)?.value, refersToNetworks(alignment)
        else { return }
        if i.between.count > 3 || (i.between.count == 3 && i.permuteFrom == nil) {
            sink.error(
                "wrong-kind", at: permute.location,
                "interpolation '\(entry.name)' of \(i.between.count) networks is permuted by one joint alignment (`networks:`) of them all"
                    + (i.between.count == 3
                        ? ", or by two alignments [x, y], the first and second network each to the third" : "")
                    + "; '\(permute.name)' aligns one pair")
            return
        }
        if let permuteFrom = i.permuteFrom {
            checkIndirect(entry.name, i, second: alignment, first: permuteFrom)
            return
        }
        if ![i.to.name, origin(i.to.name)].contains(alignment.network.name)
            || ![i.from.name, origin(i.from.name)].contains(alignment.target.name)
        {
            sink.error(
                "wrong-direction", at: permute.location,
                "'\(permute.name)' aligns '\(alignment.network.name)' to '\(alignment.target.name)'; interpolation '\(entry.name)' needs '\(i.to.name)' aligned to '\(i.from.name)'"
            )
        }
    }

    /// Whether an alignment's two networks exist (a misspelt one is reported where it is written).
    private func refersToNetworks(_ alignment: AlignmentSpec) -> Bool {
        let networks = Set(
            spec.networks.map(\.name) + spec.loaded.map(\.name) + spec.pruning.map(\.name) + spec.masked.map(\.name))
        return networks.contains(alignment.network.name) && networks.contains(alignment.target.name)
    }

    /// `permute: [x, y]`: x aligns the first network and y the second, both to one third network, found at
    /// the same moments.
    private func checkIndirect(_ name: String, _ i: InterpolationSpec, second: AlignmentSpec, first reference: Reference) {
        guard resolve(reference, as: .alignment, candidates: spec.alignments.map(\.name)),
            let first = spec.alignments.named(reference.name)?.value, refersToNetworks(first)
        else { return }
        let third = i.third?.name ?? first.target.name
        if first.network.name != i.from.name || second.network.name != i.to.name || first.target.name != second.target.name
            || first.target.name != third
        {
            sink.error(
                "wrong-direction", at: reference.location,
                "interpolation '\(name)' needs '\(i.from.name)' and '\(i.to.name)' aligned to one third network\(i.third.map { " ('\($0.name)')" } ?? ""); '\(reference.name)' aligns '\(first.network.name)' to '\(first.target.name)' and the second alignment '\(second.network.name)' to '\(second.target.name)'"
            )
        } else if first.at != second.at {
            sink.error(
                "checkpoint-mismatch", at: reference.location,
                "the two alignments of interpolation '\(name)' must be found at the same moments (at:)")
        }
    }

    /// Every step named in `at:` must be a checkpoint that both networks' recipes keep; `checkpoints`
    /// needs both recipes to keep the same ones.
    private func checkMoments(_ selection: MomentSelection, at location: SourceLocation, networks: [Reference]) {
        let sequences = networks.compactMap { spec.pruning.named($0.name)?.value }
        if selection == .levels || !sequences.isEmpty {
            if selection != .levels || sequences.count != networks.count || Set(sequences.map(\.levels)).count != 1 {
                sink.error(
                    "wrong-kind", at: location,
                    "'at: levels' applies to two pruning sequences with the same number of levels, and a pruning sequence is measured only at: levels"
                )
            }
            return
        }
        let kept = networks.compactMap { n in
            spec.networks.named(n.name).flatMap { spec.recipes.named($0.value.recipe.name)?.value.checkpoints }
        }
        guard kept.count == networks.count else { return }
        switch selection {
        case .checkpoints:
            if kept[0] != kept[1] {
                sink.error(
                    "checkpoint-mismatch", at: location,
                    "'\(networks[0].name)' and '\(networks[1].name)' keep different checkpoints, so 'at: checkpoints' is ambiguous"
                )
            }
        case .levels: return
        case .moments(let moments):
            for step in moments.compactMap(\.checkpoint) {
                for (network, steps) in zip(networks, kept) where !steps.contains(step) {
                    let listed = steps.isEmpty ? "none" : steps.map(String.init).joined(separator: ", ")
                    sink.error(
                        "unknown-checkpoint", at: location,
                        "network '\(network.name)' keeps no checkpoint at step \(step) (its recipe keeps: \(listed))")
                }
            }
        }
    }

    /// The trained network a pruning sequence starts from, or the name itself.
    private func origin(_ name: String) -> String {
        spec.pruning.named(name)?.value.network.name ?? spec.masked.named(name)?.value.network.name ?? name
    }

    /// Two networks can be aligned or interpolated only if they share an architecture and a dataset.
    private func checkCompatible(_ a: Reference, _ b: Reference) {
        func modelAndData(_ name: String) -> (model: Reference, data: Reference)? {
            if let n = spec.networks.named(origin(name))?.value { return (n.model, n.data) }
            if let n = spec.loaded.named(name)?.value { return (n.model, n.data) }
            return nil
        }
        guard let first = modelAndData(a.name), let second = modelAndData(b.name) else { return }
        let modelA = spec.models.named(first.model.name)?.value, modelB = spec.models.named(second.model.name)?.value
        if let modelA, let modelB, modelA != modelB {
            sink.error(
                "incompatible-networks", at: b.location,
                "'\(a.name)' and '\(b.name)' have different models (\(first.model.name), \(second.model.name))")
        }
        if first.data.name != second.data.name {
            sink.error(
                "incompatible-networks", at: b.location,
                "'\(a.name)' and '\(b.name)' are trained on different datasets (\(first.data.name), \(second.data.name))")
        }
    }
}
