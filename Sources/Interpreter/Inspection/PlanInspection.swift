import DSL
import Foundation

/// What `lmc plan` shows: each step's cache key, whether the cache holds it, and a rough cost.
///
/// Nothing is computed or loaded beyond the datasets' digests.
public enum PlanInspection {
    public struct Node: Sendable, Codable {
        public var name: String
        public var kind: String
        public var key: String
        public var inputs: [String]
        public var cached: Bool
        /// Floating-point operations the step needs, estimated from its sizes.
        public var estimatedFlops: Double
        /// `estimatedFlops` at `nominalFlopsPerSecond`.
        public var estimatedSeconds: Double

        enum CodingKeys: String, CodingKey {
            case name, kind, key, inputs, cached
            case estimatedFlops = "estimated_flops"
            case estimatedSeconds = "estimated_seconds"
        }
    }

    /// What one core of the reference machine sustains in training (measured with `lmc bench`: about
    /// 20,000 samples/s of the 784-512-512-512-10 MLP, 4 MFLOP each); estimates are for one core.
    public static let nominalFlopsPerSecond = 80e9

    /// The plan's steps with keys, cache status and estimates.
    ///
    /// - Throws: `RunError` if a dataset cannot be read (its digest is part of every key).
    public static func nodes(_ plan: Plan, cacheDirectory: String) throws -> [Node] {
        let keys = try Runner.keys(for: plan, cacheDirectory: cacheDirectory)
        let store = ContentStore(root: cacheDirectory)
        let byName = Dictionary(plan.steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return zip(plan.steps, keys).map { step, key in
            let flops = estimate(step, plan: plan, steps: byName)
            return Node(
                name: step.name, kind: step.kind, key: key, inputs: step.inputs, cached: store.contains(key),
                estimatedFlops: flops, estimatedSeconds: flops / nominalFlopsPerSecond)
        }
    }

    /// Sizes assumed for a dataset: a synthetic one's own, Fashion-MNIST's for IDX data (not read here).
    static func sizes(_ dataset: DatasetSpec?) -> (features: Int, classes: Int, train: Int, test: Int) {
        switch dataset?.source {
        case .synthetic(let s): (s.features, s.classes, s.trainCount, s.testCount)
        default: (784, 10, 60_000, 10_000)
        }
    }

    private static func estimate(_ step: PlanStep, plan: Plan, steps: [String: PlanStep]) -> Double {
        let data = sizes(plan.datasets.first { $0.name == step.dataset }?.value)
        func parameters(_ hidden: [Int]) -> Double {
            let widths = [data.features] + hidden + [data.classes]
            return zip(widths, widths.dropFirst()).reduce(0.0) { $0 + Double($1.0 * $1.1 + $1.1) }
        }
        /// The model of the network a step reads, found through its first input's training step.
        func model(_ name: String?) -> [Int] {
            guard let name, let source = steps[name] else { return [] }
            switch source.action {
            case .train(let model, _, _), .load(let model, _), .prune(let model, _, _, _, _, _),
                .retrainMasked(let model, _, _, _, _):
                return model.hidden
            default: return model(source.inputs.first)
            }
        }
        func examples(_ sizes: [EvaluationSpec.SplitSize]) -> Double {
            sizes.reduce(0.0) { $0 + Double($1.count ?? ($1.split == .train ? data.train : data.test)) }
        }
        switch step.action {
        case .load: return 0
        case .train(let model, let recipe, _):
            return 6 * parameters(model.hidden) * Double(data.train * recipe.epochs)
        case .prune(let model, let recipe, _, _, _, let rewind), .retrainMasked(let model, let recipe, _, let rewind, _):
            let total = Double(data.train * recipe.epochs)
            return 6 * parameters(model.hidden) * max(0, total - Double(rewind * recipe.batchSize))
        case .evaluate(let splits, _):
            return 2 * parameters(model(step.inputs.first)) * examples(splits)
        case .align(let method, _):
            let p = parameters(model(step.inputs.first))
            switch method {
            case .weightMatching(let sweeps, _):
                return 2 * p * Double(model(step.inputs.first).max() ?? 1) * Double(min(sweeps, 10))
            case .activationMatching(let samples, _): return 4 * p * Double(samples)
            }
        case .interpolate(let alphas, let splits, _, _, _):
            return 2 * parameters(model(step.inputs.first)) * examples(splits) * Double(alphas.count)
        case .simplex(let points, let splits, _, _):
            return 2 * parameters(model(step.inputs.first)) * examples(splits) * Double(points.count)
        }
    }
}
