import DSL

/// Where in a spec a field of a step's cache key is written, for `lmc explain`: `alignments.am.samples`
/// rather than `action.align._0.activationMatching.samples`.
enum SpecPath {
    /// The spec path of `field` (a path into the step's key description) for step `node`, or nil when
    /// the field has no single place in the spec (input keys, the engine salt).
    static func of(_ field: String, node: String, spec: Spec) -> String? {
        let parts = field.split(separator: ".").map(String.init)
        guard parts.first == "action", parts.count >= 3, let last = parts.last else {
            return field == "data" ? stepEntry(node).flatMap { dataset(of: $0, in: spec) }.map { "datasets.\($0)" } : nil
        }
        let kind = node.prefix { $0 != "/" }
        switch kind {
        case "train", "mask", "prune":
            guard let entry = stepEntry(node), let network = spec.networks.named(entry)?.value else { return nil }
            if parts[2] == "seed" { return "networks.\(entry).seed" }
            if parts[2] == "recipe" {
                let recipe = spec.recipes.named(network.recipe.name)?.value
                return recipePath(Array(parts.dropFirst(3)), recipe: recipe).map { "recipes.\(network.recipe.name).\($0)" }
            }
            if parts[2] == "model" { return "models.\(network.model.name)." + snake(parts.dropFirst(3).joined(separator: ".")) }
            return nil
        case "align":
            guard let entry = stepEntry(node) else { return nil }
            return "alignments.\(entry).\(alignmentKeys[last] ?? snake(last))"
        case "barrier", "eval":
            return evaluationKeys[last].map { "evaluation.\($0)" }
        default:
            return nil
        }
    }

    /// The entry a step is named after: `b` in `train/b`, `am` in `align/am/step=25`.
    private static func stepEntry(_ node: String) -> String? {
        let parts = node.split(separator: "/")
        return parts.count >= 2 ? String(parts[1]) : nil
    }

    private static func dataset(of entry: String, in spec: Spec) -> String? {
        spec.networks.named(entry)?.value.data.name ?? spec.loaded.named(entry)?.value.data.name
    }

    private static func recipePath(_ parts: [String], recipe: RecipeSpec?) -> String? {
        let optimizer = if case .adamW? = recipe?.optimizer { "optimizer.adamw" } else { "optimizer.sgd" }
        let keys = [
            "learningRate": "\(optimizer).lr", "momentum": "\(optimizer).momentum",
            "weightDecay": "\(optimizer).weight_decay", "nesterov": "\(optimizer).nesterov", "batchSize": "batch",
            "epochs": "epochs", "warmupEpochs": "schedule.warmup_epochs", "decay": "schedule.decay",
            "checkpoints": "checkpoints",
        ]
        if parts.first == "augmentation", let inner = parts.last { return "augment.\(inner)" }
        if parts.first == "adamW" { return parts.last == "epsilon" ? "\(optimizer).eps" : "\(optimizer).betas" }
        return parts.first.flatMap { keys[$0] }
    }

    private static let alignmentKeys = ["maxSweeps": "max_sweeps"]
    private static let evaluationKeys = [
        "alphas": "alphas", "splits": "splits", "metrics": "metrics", "resetExamples": "batchnorm_reset",
        "repairExamples": "repair_examples", "points": "simplex",
    ]

    /// `maxSweeps` → `max_sweeps`.
    private static func snake(_ name: String) -> String {
        name.reduce(into: "") { out, c in out += c.isUppercase ? "_" + c.lowercased() : String(c) }
    }
}
