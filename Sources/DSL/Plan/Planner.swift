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
        var paths: [Plan.Path] = []
        for interpolation in spec.interpolations {
            let i = interpolation.value
            let moments = i.at.resolve(checkpoints: checkpoints(of: i.from.name), levels: levels(of: i.from.name))
            var permutations: [(steps: [String], label: String, moment: Moment?)] =
                i.permute.map { p in (alignmentSteps[p.name] ?? []).map { ([$0.step], $0.label, $0.moment) } }
                ?? [([], "identity", nil)]
            if let first = i.permuteFrom, let target = spec.alignments.named(first.name)?.value.target.name {
                let through = template(target)
                // Indirect: the second network's alignment, then the first's, found at the same moment.
                let firsts = alignmentSteps[first.name] ?? []
                permutations = zip(permutations, firsts).map { second, first in
                    (
                        second.steps + [first.step], "via-\(through)" + (first.moment == .end ? "" : "@\(first.moment.label)"),
                        second.moment
                    )
                }
            }
            let permutationSeries = i.permute.flatMap { spec.alignments.named($0.name)?.value.at.isEndOnly == false } ?? false
            let isSeries = !i.at.isEndOnly || permutationSeries
            for permutation in permutations {
                if let third = i.third {
                    let step = PlanStep(
                        name: "barrier/\(interpolation.name)",
                        action: .simplex(
                            points: EvaluationSpec.simplexGrid(eval.simplexDivisions), splits: eval.splits, metrics: eval.metrics,
                            resetExamples: reset(i.from.name), repairExamples: i.repair ? eval.repairExamples : nil),
                        inputs: [source(i.from.name, .end), source(i.to.name, .end), source(third.name, .end)]
                            + permutation.steps,
                        dataset: dataset(of: i.from.name), origin: interpolation.location)
                    steps.append(step)
                    let coordinates = spec.sweep[interpolation.name] ?? []
                    paths.append(
                        .init(
                            interpolation: interpolation.name, from: i.from.name, to: i.to.name, third: third.name,
                            permutation: permutation.label, step: step.name, moment: .end, isSeries: false,
                            sweepBase: coordinates.isEmpty ? nil : template(interpolation.name), coordinates: coordinates))
                    continue
                }
                for moment in moments {
                    // A permutation found per pruning level applies at its own level only.
                    if case .level? = permutation.moment, permutation.moment != moment { continue }
                    let name =
                        isSeries
                        ? "barrier/\(interpolation.name)/\(permutation.label)/\(moment.label)" : "barrier/\(interpolation.name)"
                    let step = PlanStep(
                        name: name,
                        action: .interpolate(
                            alphas: eval.alphas, splits: eval.splits, metrics: eval.metrics, at: moment.checkpoint,
                            resetExamples: reset(i.from.name), repairExamples: i.repair ? eval.repairExamples : nil),
                        inputs: [source(i.from.name, moment), source(i.to.name, moment)] + permutation.steps,
                        dataset: dataset(of: origin(i.from.name)), origin: interpolation.location)
                    steps.append(step)
                    let coordinates = spec.sweep[interpolation.name] ?? []
                    paths.append(
                        .init(
                            interpolation: interpolation.name, from: i.from.name, to: i.to.name,
                            permutation: permutation.label, step: step.name, moment: moment, isSeries: isSeries,
                            sweepBase: coordinates.isEmpty ? nil : template(interpolation.name),
                            coordinates: coordinates))
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
            endpoints: endpoints, paths: paths, evaluation: eval, executor: spec.executor)
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
