import DSL
import Engine
import Foundation

/// `lmc verify-permutations`: the permutation groups a model derives, checked on a real network by
/// applying a random permutation to every group and comparing the logits.
public struct PermutationCheck: Sendable {
    public struct Group: Sendable {
        public var name: String
        public var size: Int
        /// Tensor axes the group permutes.
        public var members: Int
        /// Blocks of units each permutation keeps whole (1: none).
        public var parts: Int
        /// Whether a permutation may exchange whole parts.
        public var exchangeableParts: Bool
        /// The coupling whose groups exchange their parts alike (an attention layer's heads), if any.
        public var coupling: String?
    }

    public var groups: [Group]
    /// The largest |logit(π(θ)) − logit(θ)| over the examples.
    public var largestDifference: Double
    /// The largest |logit(θ)|, for scale.
    public var largestLogit: Double
    public var examples: Int
    /// Whether the network came from the cache (else it was initialised from its seed).
    public var cached: Bool

    /// A difference this small relative to the logits is Float32 rounding, not a wrong group.
    public var passes: Bool { largestDifference <= 1e-4 * max(1, largestLogit) }

    /// Checks `network` of `plan`: the cached trained network if there is one, else a freshly initialised
    /// one of its model; `examples` test images; permutations drawn from `seed`.
    ///
    /// - Throws: `RunError` if the plan has no such network or its data cannot be read.
    public static func run(
        network name: String, plan: Plan, cacheDirectory: String, examples: Int, seed: UInt64, parallelism: Parallelism
    ) throws -> PermutationCheck {
        let cached = try CachedNetwork(name, plan: plan, cacheDirectory: cacheDirectory)
        let step = plan.steps[cached.index]
        let data: Dataset
        do { data = try DatasetProvider(datasets: plan.datasets).dataset(step.dataset) } catch {
            throw RunError(description: "dataset '\(step.dataset)': \(error)")
        }
        let network: Network
        if cached.isCached, let trained = try cached.artifact(cached.index).network {
            network = trained.final
        } else if case .train(let model, _, let seed) = step.action {
            do {
                network = Network(program: try model.program(input: data.shape, classes: data.classes), seed: seed)
            } catch {
                throw RunError(description: "\(step.name): the model does not fit the dataset: \(error.message)")
            }
        } else {
            throw RunError(description: "\(step.name) is not cached; run `lmc run` first")
        }
        let spec = network.permutationSpec
        var stream = RandomStream(seed: seed, purpose: "verify-permutations")
        let permutations = spec.randomPermutations(using: &stream)
        let split = data.test.prefix(examples, features: data.features)
        let before = network.logits(split, parallelism: parallelism)
        let after = network.permuted(by: permutations).logits(split, parallelism: parallelism)
        return PermutationCheck(
            groups: spec.groups.map {
                Group(
                    name: $0.name, size: $0.size, members: $0.members.count, parts: $0.parts,
                    exchangeableParts: $0.exchangeableParts, coupling: $0.coupling)
            },
            largestDifference: zip(before, after).map { Double(abs($0 - $1)) }.max() ?? 0,
            largestLogit: before.map { Double(abs($0)) }.max() ?? 0, examples: split.count, cached: cached.isCached)
    }
}
