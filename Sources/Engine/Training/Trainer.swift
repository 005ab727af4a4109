/// Where a training run is, reported after every update.
public struct TrainingProgress: Sendable {
    /// Updates done so far (for a divergence, the update whose loss was not finite).
    public var step: Int
    /// Updates in the whole run.
    public var totalSteps: Int
    /// The current epoch, from 0.
    public var epoch: Int
    /// Mean loss of the batch just used.
    public var batchLoss: Double
    /// Training examples used so far.
    public var examplesSeen: Int
}

/// A training run stopped because the loss stopped being a finite number.
public struct DivergenceError: Error, Sendable, CustomStringConvertible {
    /// Updates done so far (for a divergence, the update whose loss was not finite).
    public var step: Int
    /// The non-finite batch loss.
    public var loss: Double
    public var description: String { "loss became \(loss) at step \(step)" }
}

/// A trained network with the checkpoints its recipe asked for.
public struct Trained<Model: Sendable>: Sendable {
    /// The weights after the last update.
    public var final: Model
    /// Updates done.
    public var steps: Int
    /// Weights after `step` updates, for each requested checkpoint step ≤ `steps`.
    public var checkpoints: [(step: Int, network: Model)]

    public init(final: Model, steps: Int, checkpoints: [(step: Int, network: Model)]) {
        self.final = final
        self.steps = steps
        self.checkpoints = checkpoints
    }
}

/// A trained MLP.
public typealias TrainedNetwork = Trained<MLP>

/// What the training loop drives: a model's flat parameters, their gradients and velocities, and one
/// batch of inputs and labels.
protocol TrainingBuffers: AnyObject {
    associatedtype Network: Sendable
    var batchInputs: UnsafeMutablePointer<Float> { get }
    var batchLabels: UnsafeMutablePointer<Int32> { get }
    var parameters: UnsafeMutablePointer<Float> { get }
    var gradients: UnsafeMutablePointer<Float> { get }
    var velocity: UnsafeMutablePointer<Float> { get }
    var parameterCount: Int { get }
    /// Forward, loss and backward on the first `batch` examples; returns the summed loss.
    func computeGradients(batch: Int, parallelism: Parallelism) -> Double
    /// The current parameters as a network.
    func snapshot() -> Network
}

extension TrainingState: TrainingBuffers {}
extension ConvState: TrainingBuffers {}

/// Trains networks with minibatch SGD.
public enum Trainer {
    /// Trains a network from `seed`: the seed drives initialisation and the order of examples.
    ///
    /// Each epoch visits the training split in the order of a permutation drawn from the stream
    /// (seed, "order", epoch). Nothing depends on thread scheduling, so the result is bitwise reproducible.
    ///
    /// - Parameters:
    ///   - sizes: input width, hidden widths, classes.
    ///   - progress: called on the calling thread after every update.
    /// - Throws: `DivergenceError` at the first non-finite batch loss.
    ///   - resume: weights to start from and the step they belong to (rewinding): the run continues the
    ///     same schedule and data order from that step, with fresh momentum.
    ///   - mask: pruned weights start at zero and stay zero (their gradients are masked before the update).
    public static func train(
        sizes: [Int], seed: UInt64, recipe: TrainingRecipe, data: Dataset.Split, parallelism: Parallelism,
        resume: (network: MLP, step: Int)? = nil, mask: PruningMask? = nil,
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws(DivergenceError) -> TrainedNetwork {
        let start = resume?.network ?? MLP(sizes: sizes, seed: seed)
        let initial = mask.flatMap { $0.applied(to: .mlp(start)).mlp } ?? start
        let state = TrainingState(network: initial, batchCapacity: min(recipe.batchSize, data.count))
        return try loop(
            state, initial: initial, seed: seed, recipe: recipe, data: data, first: resume?.step ?? 0,
            parallelism: parallelism, beforeUpdate: { if let mask { $0.maskWeightGradients(mask) } }, progress: progress)
    }

    /// Trains a convolutional network from `seed`.
    ///
    /// As `train(sizes:…)` trains an MLP: same data order, schedule and optimiser, same `resume` and
    /// `mask`. Inputs are the split's rows read as `height × width × channels` images.
    ///
    /// - Throws: `DivergenceError` at the first non-finite batch loss.
    public static func train(
        _ architecture: ConvArchitecture, seed: UInt64, recipe: TrainingRecipe, data: Dataset.Split, parallelism: Parallelism,
        resume: (network: ConvNet, step: Int)? = nil, mask: PruningMask? = nil,
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws(DivergenceError) -> Trained<ConvNet> {
        let start = resume?.network ?? ConvNet(architecture: architecture, seed: seed)
        let initial = mask.flatMap { $0.applied(to: .conv(start)).conv } ?? start
        let state = ConvState(network: initial, batchCapacity: min(recipe.batchSize, data.count), training: true)
        return try loop(
            state, initial: initial, seed: seed, recipe: recipe, data: data, first: resume?.step ?? 0,
            parallelism: parallelism, beforeUpdate: { if let mask { $0.maskWeightGradients(mask) } }, progress: progress)
    }

    /// The minibatch SGD loop shared by every model: epoch orders from (seed, "order", epoch), steps
    /// before `first` skipped (their batches still drawn), checkpoints snapshotted after their step.
    private static func loop<State: TrainingBuffers>(
        _ state: State, initial: State.Network, seed: UInt64, recipe: TrainingRecipe, data: Dataset.Split, first: Int,
        parallelism: Parallelism, beforeUpdate: (State) -> Void, progress: (TrainingProgress) -> Void
    ) throws(DivergenceError) -> Trained<State.Network> {
        let features = data.count > 0 ? data.inputs.count / data.count : 0
        let examples = data.count
        let perEpoch = recipe.stepsPerEpoch(examples: examples)
        let total = perEpoch * recipe.epochs
        var checkpoints: [(step: Int, network: State.Network)] = []
        let wanted = Set(recipe.checkpoints.filter { $0 >= first && $0 <= total })
        if wanted.contains(first) { checkpoints.append((first, initial)) }
        var step = 0, seen = 0
        for epoch in 0..<recipe.epochs {
            var order = RandomStream(seed: seed, purpose: "order", index: UInt64(epoch))
            let permutation = order.permutation(examples)
            for start in stride(from: 0, to: examples, by: recipe.batchSize) {
                let batch = min(recipe.batchSize, examples - start)
                if step < first {
                    step += 1
                    seen += batch
                    continue
                }
                data.inputs.withUnsafeBufferPointer { inputs in
                    guard let src = inputs.baseAddress else { return }
                    for r in 0..<batch {
                        let index = permutation[start + r]
                        (state.batchInputs + r * features).update(from: src + index * features, count: features)
                        state.batchLabels[r] = data.labels[index]
                    }
                }
                let loss = state.computeGradients(batch: batch, parallelism: parallelism) / Double(batch)
                guard loss.isFinite else { throw DivergenceError(step: step + 1, loss: loss) }
                beforeUpdate(state)
                let lr = recipe.learningRate(step: step, total: total, stepsPerEpoch: perEpoch)
                SGD.update(
                    weights: state.parameters, gradients: state.gradients, velocity: state.velocity,
                    count: state.parameterCount, learningRate: Float(lr), momentum: Float(recipe.momentum),
                    weightDecay: Float(recipe.weightDecay), nesterov: recipe.nesterov)
                step += 1
                seen += batch
                if wanted.contains(step) && step < total { checkpoints.append((step, state.snapshot())) }
                progress(
                    TrainingProgress(
                        step: step, totalSteps: total, epoch: epoch, batchLoss: loss,
                        examplesSeen: seen))
            }
        }
        let final = state.snapshot()
        if wanted.contains(total) { checkpoints.append((total, final)) }
        return Trained(final: final, steps: total, checkpoints: checkpoints)
    }
}
