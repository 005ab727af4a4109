/// Resolves a validated `Spec` into a `Plan`.
public struct Planner: Sendable {
    public init() {}

    /// Builds the plan of a spec that `SpecDecoder` accepted.
    ///
    /// - Throws: `DiagnosticError` if the spec refers to something undefined (only possible for specs
    ///   built by hand rather than decoded).
    public func plan(_ spec: Spec) throws(DiagnosticError) -> Plan {
        let sink = DiagnosticSink()
        var steps: [PlanStep] = []
        var endpoints: [Plan.Endpoint] = []
        let eval = spec.evaluation

        for network in spec.networks {
            let n = network.value
            guard let model = spec.models.named(n.model.name)?.value, let recipe = spec.recipes.named(n.recipe.name)?.value else {
                sink.error(
                    "dangling-reference", at: network.location, "network '\(network.name)' refers to an undefined model or recipe"
                )
                continue
            }
            let train = PlanStep(
                name: "train/\(network.name)", action: .train(model: model, recipe: recipe, seed: n.seed),
                inputs: [], dataset: n.data.name, origin: network.location)
            let evaluate = PlanStep(
                name: "eval/\(network.name)", action: .evaluate(splits: eval.splits, metrics: eval.metrics),
                inputs: [train.name], dataset: n.data.name, origin: network.location)
            steps += [train, evaluate]
            endpoints.append(.init(network: network.name, evaluationStep: evaluate.name))
        }
        for entry in spec.loaded {
            let n = entry.value
            guard let model = spec.models.named(n.model.name)?.value else { continue }
            var load = PlanStep(
                name: "load/\(entry.name)", action: .load(model: model, layers: n.layers), inputs: [], dataset: n.data.name,
                origin: entry.location)
            load.file = n.file
            let evaluate = PlanStep(
                name: "eval/\(entry.name)", action: .evaluate(splits: eval.splits, metrics: eval.metrics),
                inputs: [load.name], dataset: n.data.name, origin: entry.location)
            steps += [load, evaluate]
            endpoints.append(.init(network: entry.name, evaluationStep: evaluate.name))
        }
        func dataset(of network: String) -> String {
            spec.networks.named(network)?.value.data.name ?? spec.loaded.named(network)?.value.data.name ?? ""
        }

        /// The name as written in the spec: a `matrix:` copy's template name.
        func template(_ name: String) -> String { spec.sweep[name] == nil ? name : String(name.prefix { $0 != "@" }) }
        /// A pruning sequence's trained network, or the name itself.
        func origin(_ name: String) -> String {
            spec.pruning.named(name)?.value.network.name ?? spec.masked.named(name)?.value.network.name ?? name
        }
        func checkpoints(of network: String) -> [Int] {
            spec.networks.named(origin(network)).flatMap { spec.recipes.named($0.value.recipe.name)?.value.checkpoints } ?? []
        }
        /// How many examples reset BatchNorm statistics along paths from `network` (nil unless it has BatchNorm).
        func reset(_ network: String) -> Int? {
            let base = origin(network)
            let model = spec.networks.named(base)?.value.model.name ?? spec.loaded.named(base)?.value.model.name
            guard model.flatMap({ spec.models.named($0)?.value.hasBatchNorm }) == true, eval.batchNormReset > 0
            else { return nil }
            return eval.batchNormReset
        }
        func levels(of network: String) -> Int { spec.pruning.named(network)?.value.levels ?? 0 }
        /// The step whose artifact holds `network` at `moment`: level 0 of a pruning sequence is its network.
        func source(_ network: String, _ moment: Moment) -> String {
            if case .level(let l) = moment, l > 0 { return "prune/\(network)@level=\(l)" }
            if spec.masked.named(network) != nil { return "mask/\(network)" }
            if spec.loaded.named(network) != nil { return "load/\(network)" }
            return "train/\(origin(network))"
        }
        for sequence in spec.pruning {
            let p = sequence.value
            guard let n = spec.networks.named(p.network.name)?.value, let model = spec.models.named(n.model.name)?.value,
                let recipe = spec.recipes.named(n.recipe.name)?.value
            else { continue }
            for level in 1...p.levels {
                steps.append(
                    PlanStep(
                        name: "prune/\(sequence.name)@level=\(level)",
                        action: .prune(
                            model: model, recipe: recipe, seed: n.seed, rate: p.rate, output: p.output, rewind: p.rewind),
                        inputs: ["train/\(p.network.name)", source(sequence.name, .level(level - 1))],
                        dataset: n.data.name, origin: sequence.location))
            }
        }
        for entry in spec.masked {
            let m = entry.value
            guard let n = spec.networks.named(m.network.name)?.value, let model = spec.models.named(n.model.name)?.value,
                let recipe = spec.recipes.named(n.recipe.name)?.value
            else { continue }
            var inputs = ["train/\(m.network.name)", source(m.mask.name, .level(m.level))]
            let carry: PlanStep.MaskCarry
            switch m.transport {
            case .permuted(let alignment):
                inputs.append("align/\(alignment.name)")
                carry = .permuted
            case .asIs: carry = .asIs
            case .random(let seed): carry = .random(seed: seed)
            }
            let retrain = PlanStep(
                name: "mask/\(entry.name)",
                action: .retrainMasked(model: model, recipe: recipe, seed: n.seed, rewind: m.rewind, transport: carry),
                inputs: inputs, dataset: n.data.name, origin: entry.location)
            let evaluate = PlanStep(
                name: "eval/\(entry.name)", action: .evaluate(splits: eval.splits, metrics: eval.metrics),
                inputs: [retrain.name], dataset: n.data.name, origin: entry.location)
            steps += [retrain, evaluate]
            endpoints.append(.init(network: entry.name, evaluationStep: evaluate.name))
        }
        /// Alignment name → (moment, step name, label) for each moment it is found at.
        var alignmentSteps: [String: [(moment: Moment, step: String, label: String)]] = [:]
        for alignment in spec.alignments {
            let a = alignment.value
            for moment in a.at.resolve(checkpoints: checkpoints(of: a.target.name), levels: levels(of: a.target.name)) {
                let name = "align/\(alignment.name)" + (moment == .end ? "" : "@\(moment.label)")
                steps.append(
                    PlanStep(
                        name: name, action: .align(a.method, at: moment.checkpoint),
                        inputs: [source(a.network.name, moment), source(a.target.name, moment)],
                        dataset: dataset(of: origin(a.target.name)), origin: alignment.location))
                alignmentSteps[alignment.name, default: []].append((moment, name, "\(template(alignment.name))@\(moment.label)"))
            }
        }
        /// An interpolation of three or more networks: the simplex at `eval.simplexPoints`, then every pair's
        /// path over the alphas (each its own step, so a pair shared with a plain interpolation is one step).
        func measureSimplex(_ i: InterpolationSpec, _ name: String, _ carries: [EndCarry], label: String) {
            let coordinates = spec.sweep[name] ?? []
            let sweepBase = coordinates.isEmpty ? nil : template(name)
            let reset = reset(i.from.name), repair = i.repair ? eval.repairExamples : nil
            let data = dataset(of: origin(i.from.name))
            let names = i.between.map(\.name)
            let (inputs, carry) = Self.assemble(names.map { source($0, .end) }, carries)
            steps.append(
                PlanStep(
                    name: "barrier/\(name)",
                    action: .simplex(
                        points: eval.simplexPoints(networks: names.count), splits: eval.splits, metrics: eval.metrics,
                        resetExamples: reset, repairExamples: repair, carry: carry),
                    inputs: inputs, dataset: data, origin: i.from.location))
            paths.append(
                .init(
                    interpolation: name, from: names[0], to: names[1], networks: names, permutation: label,
                    step: "barrier/\(name)", moment: .end, isSeries: false, sweepBase: sweepBase, coordinates: coordinates))
            for a in names.indices {
                for b in names.indices where b > a {
                    let (inputs, carry) = Self.assemble(
                        [source(names[a], .end), source(names[b], .end)], [carries[a], carries[b]])
                    let step = "barrier/\(name)/\(template(names[a]))~\(template(names[b]))"
                    steps.append(
                        PlanStep(
                            name: step,
                            action: .interpolate(
                                alphas: eval.alphas, splits: eval.splits, metrics: eval.metrics, resetExamples: reset,
                                repairExamples: repair, carry: carry),
                            inputs: inputs, dataset: data, origin: i.from.location))
                    paths.append(
                        .init(
                            interpolation: name, from: names[a], to: names[b], simplexSize: names.count, permutation: label,
                            step: step, moment: .end, isSeries: false, sweepBase: sweepBase, coordinates: coordinates))
                }
            }
        }
        for alignment in spec.jointAlignments {
            let a = alignment.value
            var inputs = a.networks.map { source($0.name, .end) }
            var reference: Int?
            if case .reference = a.method, let r = a.reference {
                reference = a.networks.firstIndex { $0.name == r.name }
                inputs.append(source(r.name, .end))
            }
            steps.append(
                PlanStep(
                    name: "align/\(alignment.name)", action: .alignJointly(a.method, reference: reference), inputs: inputs,
                    dataset: dataset(of: origin(a.networks[0].name)), origin: alignment.location))
        }
        var paths: [Plan.Path] = []
        for interpolation in spec.interpolations {
            let i = interpolation.value
            let coordinates = spec.sweep[interpolation.name] ?? []
            let sweepBase = coordinates.isEmpty ? nil : template(interpolation.name)
            let reset = reset(i.from.name), repair = i.repair ? eval.repairExamples : nil
            let data = dataset(of: origin(i.from.name))
            // How each network reaches the common order, for each permutation the interpolation applies.
            var permutations: [(carries: [EndCarry], label: String, moment: Moment?)]
            if let permute = i.permute, let joint = spec.jointAlignments.named(permute.name)?.value {
                // One joint alignment carries every network; the reference of `.reference` keeps its order.
                let carries = i.between.map { network in
                    joint.networks.firstIndex { $0.name == network.name }.map { EndCarry.member("align/\(permute.name)", $0) }
                        ?? .identity
                }
                permutations = [(carries, "\(template(permute.name))@end", nil)]
            } else if i.between.count > 2 {
                // Naive, or (a triangle) the first two networks carried into the third's order by [x, y].
                var carries = [EndCarry](repeating: .identity, count: i.between.count)
                var label = "identity"
                if let first = i.permuteFrom, let second = i.permute {
                    carries[0] = .step("align/\(first.name)")
                    carries[1] = .step("align/\(second.name)")
                    label = "via-\(template(i.between[2].name))"
                }
                permutations = [(carries, label, nil)]
            } else {
                permutations =
                    i.permute.map { p in
                        (alignmentSteps[p.name] ?? []).map { ([.identity, .step($0.step)], $0.label, $0.moment) }
                    }
                    ?? [([.identity, .identity], "identity", nil)]
                if let first = i.permuteFrom, let target = spec.alignments.named(first.name)?.value.target.name {
                    let through = template(target)
                    // Indirect: the second network's alignment, then the first's, found at the same moment.
                    let firsts = alignmentSteps[first.name] ?? []
                    permutations = zip(permutations, firsts).map { second, first in
                        (
                            [.step(first.step), second.carries[1]],
                            "via-\(through)" + (first.moment == .end ? "" : "@\(first.moment.label)"), second.moment
                        )
                    }
                }
            }
            if i.between.count > 2, let permutation = permutations.first {
                measureSimplex(i, interpolation.name, permutation.carries, label: permutation.label)
                continue
            }
            let moments = i.at.resolve(checkpoints: checkpoints(of: i.from.name), levels: levels(of: i.from.name))
            let permutationSeries = i.permute.flatMap { spec.alignments.named($0.name)?.value.at.isEndOnly == false } ?? false
            let isSeries = !i.at.isEndOnly || permutationSeries
            for permutation in permutations {
                for moment in moments {
                    // A permutation found per pruning level applies at its own level only.
                    if case .level? = permutation.moment, permutation.moment != moment { continue }
                    let name =
                        isSeries
                        ? "barrier/\(interpolation.name)/\(permutation.label)/\(moment.label)" : "barrier/\(interpolation.name)"
                    let (inputs, carry) = Self.assemble(
                        [source(i.from.name, moment), source(i.to.name, moment)], permutation.carries)
                    steps.append(
                        PlanStep(
                            name: name,
                            action: .interpolate(
                                alphas: eval.alphas, splits: eval.splits, metrics: eval.metrics, at: moment.checkpoint,
                                resetExamples: reset, repairExamples: repair, carry: carry),
                            inputs: inputs, dataset: data, origin: interpolation.location))
                    paths.append(
                        .init(
                            interpolation: interpolation.name, from: i.from.name, to: i.to.name,
                            permutation: permutation.label, step: name, moment: moment, isSeries: isSeries,
                            sweepBase: sweepBase, coordinates: coordinates))
                }
            }
        }
        var cycles: [Plan.Cycle] = []
        for method in ["weight-matching", "activation-matching"] {
            // The first alignment found at the end of training between each pair of trained networks.
            var between: [Set<String>: Named<AlignmentSpec>] = [:]
            var order: [String] = []
            for alignment in spec.alignments where alignment.value.at.isEndOnly && alignment.value.method.name == method {
                let pair = [alignment.value.network.name, alignment.value.target.name]
                guard pair.allSatisfy({ spec.networks.named($0) != nil || spec.loaded.named($0) != nil }) else { continue }
                if between[Set(pair)] == nil { between[Set(pair)] = alignment }
                for n in pair where !order.contains(n) { order.append(n) }
            }
            let listed = spec.networks.map(\.name) + spec.loaded.map(\.name)
            order.sort { (listed.firstIndex(of: $0) ?? 0) < (listed.firstIndex(of: $1) ?? 0) }
            for a in order.indices {
                for b in order.indices where b > a {
                    for c in order.indices where c > b {
                        let trio = [order[a], order[b], order[c]]
                        let edges = [(trio[0], trio[1]), (trio[1], trio[2]), (trio[2], trio[0])]
                        let found = edges.compactMap { between[[$0.0, $0.1]] }
                        guard found.count == 3 else { continue }
                        let names = found.map(\.name)
                        let suffix = names[0].drop { $0 != "@" }
                        let step = PlanStep(
                            name: "cycle/" + names.map(template).joined(separator: "+") + suffix,
                            action: .cycleConsistency(inverted: zip(found, edges).map { $0.value.network.name == $1.0 }),
                            inputs: names.map { "align/\($0)" }, dataset: dataset(of: trio[0]), origin: found[0].location)
                        steps.append(step)
                        cycles.append(
                            .init(
                                networks: trio.map(template), alignments: names.map(template), method: method, step: step.name,
                                coordinates: spec.sweep[names[0]] ?? []))
                    }
                }
            }
        }
        let known = Set(steps.map(\.name))
        for step in steps {
            for input in step.inputs where !known.contains(input) {
                sink.error(
                    "dangling-reference", at: step.origin, "step '\(step.name)' needs '\(input)', which the spec does not define")
            }
        }
        try sink.throwIfErrors()
        return Plan(
            name: spec.name, specFile: spec.file, datasets: spec.datasets, steps: Self.dependencyOrder(steps),
            endpoints: endpoints, paths: paths, evaluation: eval, cycles: cycles, executor: spec.executor)
    }

    /// How one end of a path reaches the common order, by step name.
    enum EndCarry {
        case identity
        case step(String)
        case member(String, Int)
    }

    /// The inputs (ends, then each alignment step once) and `carry` of a path or simplex.
    ///
    /// `carry` is nil when the ends-then-alignments layout says it alone (no alignment; the second end's; the second's and
    /// the first's), so such steps keep the keys they had before `carry` existed.
    static func assemble(_ ends: [String], _ carries: [EndCarry]) -> (inputs: [String], carry: [PlanStep.Carry]?) {
        let rest = carries.dropFirst(2)
        if rest.allSatisfy({ if case .identity = $0 { true } else { false } }) {
            switch (carries[0], carries[1]) {
            case (.identity, .identity): return (ends, nil)
            case (.identity, .step(let second)): return (ends + [second], nil)
            case (.step(let first), .step(let second)): return (ends + [second, first], nil)
            default: break
            }
        }
        var inputs = ends
        func index(_ step: String) -> Int {
            if let k = inputs[ends.count...].firstIndex(of: step) { return k }
            inputs.append(step)
            return inputs.count - 1
        }
        let carry = carries.map { end -> PlanStep.Carry in
            switch end {
            case .identity: .identity
            case .step(let step): .alignment(input: index(step))
            case .member(let step, let m): .member(m, input: index(step))
            }
        }
        return (inputs, carry)
    }

    /// The steps reordered so that each comes after its inputs, otherwise keeping their order.
    ///
    /// A masked network, listed early, can need an alignment listed later. The planner makes no cycles.
    static func dependencyOrder(_ steps: [PlanStep]) -> [PlanStep] {
        var placed = Set<String>(), ordered: [PlanStep] = [], waiting = steps
        while let index = waiting.firstIndex(where: { $0.inputs.allSatisfy(placed.contains) }) {
            let next = waiting.remove(at: index)
            ordered.append(next)
            placed.insert(next.name)
        }
        return ordered + waiting
    }
}
