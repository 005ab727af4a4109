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
        func dataset(of network: String) -> String { spec.networks.named(network)?.value.data.name ?? "" }

        for alignment in spec.alignments {
            let a = alignment.value
            steps.append(
                PlanStep(
                    name: "align/\(alignment.name)", action: .align(a.method),
                    inputs: ["train/\(a.network.name)", "train/\(a.target.name)"],
                    dataset: dataset(of: a.target.name), origin: alignment.location))
        }
        var paths: [Plan.Path] = []
        for interpolation in spec.interpolations {
            let i = interpolation.value
            var inputs = ["train/\(i.from.name)", "train/\(i.to.name)"]
            var permutation = "identity"
            if let permute = i.permute, let alignment = spec.alignments.named(permute.name) {
                inputs.append("align/\(permute.name)")
                permutation = "\(alignment.name)@end"
            }
            let step = PlanStep(
                name: "barrier/\(interpolation.name)",
                action: .interpolate(alphas: eval.alphas, splits: eval.splits, metrics: eval.metrics),
                inputs: inputs, dataset: dataset(of: i.from.name), origin: interpolation.location)
            steps.append(step)
            paths.append(
                .init(
                    interpolation: interpolation.name, from: i.from.name, to: i.to.name,
                    permutation: permutation, step: step.name))
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
            name: spec.name, specFile: spec.file, datasets: spec.datasets, steps: steps,
            endpoints: endpoints, paths: paths, evaluation: eval)
    }
}
