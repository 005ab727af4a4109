import DSL
import Engine
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
    /// The same for conv nets, whose small convolutions and norms run slower.
    ///
    /// Checked against whole runs on 2 cores (2026-11-23): conv-weak-lmc estimated 78 core-minutes, took
    /// 71 (35.7 min); conv-widths estimated 67, took 49 (the VGG nets now train faster per flop than the
    /// narrow ResNets).
    public static let nominalConvFlopsPerSecond = 18e9

    /// The plan's steps with keys, cache status and estimates.
    ///
    /// - Throws: `RunError` if a dataset cannot be read (its digest is part of every key).
    public static func nodes(_ plan: Plan, cacheDirectory: String) throws -> [Node] {
        let keys = try Runner.keys(for: plan, cacheDirectory: cacheDirectory)
        let store = ContentStore(root: cacheDirectory)
        let byName = Dictionary(plan.steps.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return zip(plan.steps, keys).map { step, key in
            let (flops, conv) = estimate(step, plan: plan, steps: byName)
            return Node(
                name: step.name, kind: step.kind, key: key, inputs: step.inputs, cached: store.contains(key),
                estimatedFlops: flops, estimatedSeconds: flops / (conv ? nominalConvFlopsPerSecond : nominalFlopsPerSecond))
        }
    }

    /// Sizes assumed for a dataset: a synthetic one's own, CIFAR's for CIFAR, Fashion-MNIST's for IDX data
    /// (files are not read here).
    static func sizes(_ dataset: DatasetSpec?) -> (shape: ImageShape, classes: Int, train: Int, test: Int) {
        let (shape, classes) = dataset?.declaredInputs ?? (ImageShape(channels: 1, height: 28, width: 28), 10)
        switch dataset?.source {
        case .synthetic(let s): return (shape, classes, s.trainCount, s.testCount)
        case .cifar10, .cifar100: return (shape, classes, 50_000, 10_000)
        case .idx, nil: return (shape, classes, 60_000, 10_000)
        }
    }

    /// Floating-point operations of a step, and whether they are a conv net's.
    private static func estimate(_ step: PlanStep, plan: Plan, steps: [String: PlanStep]) -> (Double, Bool) {
        let data = sizes(plan.datasets.first { $0.name == step.dataset }?.value)
        /// The model's program on the dataset's images, if it fits them.
        func program(_ model: ModelSpec?) -> LayerProgram? {
            try? model?.program(input: data.shape, classes: data.classes)
        }
        /// The model of the network a step reads, found through its first input's training step.
        func model(_ name: String?) -> ModelSpec? {
            guard let name, let source = steps[name] else { return nil }
            switch source.action {
            case .train(let model, _, _), .load(let model, _), .prune(let model, _, _, _, _, _),
                .retrainMasked(let model, _, _, _, _):
                return model
            default: return model(source.inputs.first)
            }
        }
        let own: ModelSpec? =
            switch step.action {
            case .train(let model, _, _), .load(let model, _), .prune(let model, _, _, _, _, _),
                .retrainMasked(let model, _, _, _, _):
                model
            default: model(step.inputs.first)
            }
        // One example's forward pass, and the widest group (weight matching's assignments grow with it).
        let compiled = program(own)
        let width = compiled?.permutationSpec.groups.map(\.size).max() ?? 1
        return (
            flops(step, data: data, forward: compiled?.forwardFlopsPerExample ?? 0, width: width),
            own?.hasConvolutions ?? false
        )
    }

    /// REPAIR's cost per example and point, in forward passes: each repaired layer runs the network up
    /// to itself once (about half a pass on average, over a few layers).
    private static let repairPasses = 3.0

    private static func flops(
        _ step: PlanStep, data: (shape: ImageShape, classes: Int, train: Int, test: Int), forward: Double, width: Int
    ) -> Double {
        func examples(_ sizes: [EvaluationSpec.SplitSize]) -> Double {
            sizes.reduce(0.0) { $0 + Double($1.count ?? ($1.split == .train ? data.train : data.test)) }
        }
        switch step.action {
        case .load: return 0
        case .train(_, let recipe, _):
            return 3 * forward * Double(data.train * recipe.epochs)
        case .prune(_, let recipe, _, _, _, let rewind), .retrainMasked(_, let recipe, _, let rewind, _):
            let total = Double(data.train * recipe.epochs)
            return 3 * forward * max(0, total - Double(rewind * recipe.batchSize))
        case .evaluate(let splits, _):
            return forward * examples(splits)
        case .align(let method, _):
            switch method {
            case .weightMatching(let sweeps, _, let restarts):
                return forward * Double(width) * Double(min(sweeps, 10)) * Double(restarts ?? 1)
            case .activationMatching(let samples, _): return 2 * forward * Double(samples)
            case .straightThrough(let epochs, _, _, _, _, _):
                return 3 * forward * Double(data.train * epochs)
            }
        case .alignJointly(let method, _):
            let networks = Double(max(step.inputs.count, 2))
            switch method {
            case .reference(.weightMatching(let sweeps, _, let restarts)), .mergeMany(let sweeps, _, let restarts):
                return forward * Double(width) * Double(min(sweeps, 10)) * Double(restarts ?? 1) * networks
            case .reference(.activationMatching(let samples, _)), .mergeManyActivations(let samples, _, _):
                return forward * Double(samples) * networks
            case .reference(.straightThrough(let epochs, _, _, _, _, _)):
                return 3 * forward * Double(data.train * epochs) * (networks - 1)
            case .straightThrough(let epochs, _, _, _, _, _):
                return 3 * forward * Double(data.train * epochs)
            }
        case .cycleConsistency: return 0
        case .interpolate(let alphas, let splits, _, _, let reset, let repair, _):
            return forward * (examples(splits) + Double(reset ?? 0) + repairPasses * Double(repair ?? 0)) * Double(alphas.count)
        case .simplex(let points, let splits, _, let reset, let repair, _):
            return forward * (examples(splits) + Double(reset ?? 0) + repairPasses * Double(repair ?? 0)) * Double(points.count)
        }
    }
}
