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
public struct Trained: Sendable {
    /// The weights after the last update.
    public var final: Network
    /// Updates done.
    public var steps: Int
    /// Weights after `step` updates, for each requested checkpoint step ≤ `steps`.
    public var checkpoints: [(step: Int, network: Network)]

    public init(final: Network, steps: Int, checkpoints: [(step: Int, network: Network)]) {
        self.final = final
        self.steps = steps
        self.checkpoints = checkpoints
    }
}

/// Trains networks with minibatch SGD or AdamW.
public enum Trainer {
    /// Trains a network from `seed`: the seed drives initialisation and the order of examples.
    ///
    /// Each epoch visits the training split in the order of a permutation drawn from the stream
    /// (seed, "order", epoch). With the recipe's augmentation, the examples of update `step` (from 0) are
    /// cropped and flipped by one draw each, in batch order, from the stream (seed, "augment", step).
    /// Nothing depends on thread scheduling, so the result is bitwise reproducible.
    /// Inputs are the split's rows read as the program's input images.
    ///
    /// - Parameters:
    ///   - progress: called on the calling thread after every update.
    ///   - resume: weights to start from and the step they belong to (rewinding): the run continues the
    ///     same schedule and data order from that step, with a fresh optimizer (zero momentum or moments).
    ///   - mask: pruned weights start at zero and stay zero (their gradients are masked before the update).
    /// - Throws: `DivergenceError` at the first non-finite batch loss.
    public static func train(
        _ program: LayerProgram, seed: UInt64, recipe: TrainingRecipe, data: Dataset.Split, parallelism: Parallelism,
        resume: (network: Network, step: Int)? = nil, mask: PruningMask? = nil,
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws(DivergenceError) -> Trained {
        let start = resume?.network ?? Network(program: program, seed: seed)
        let initial = mask?.applied(to: start) ?? start
        let state = NetworkState(network: initial, batchCapacity: min(recipe.batchSize, data.count), training: true)
        return try loop(
            state, initial: initial, seed: seed, recipe: recipe, data: data, first: resume?.step ?? 0,
            parallelism: parallelism, keep: mask.map { state.gradientMultipliers($0) }, progress: progress)
    }

    /// The minibatch loop: epoch orders from (seed, "order", epoch), augmentations from
    /// (seed, "augment", step), steps before `first` skipped (their batches still drawn), checkpoints
    /// snapshotted after their step; `keep` multiplies each gradient before the update (a mask).
    private static func loop(
        _ state: NetworkState, initial: Network, seed: UInt64, recipe: TrainingRecipe, data: Dataset.Split, first: Int,
        parallelism: Parallelism, keep: [Float]?, progress: (TrainingProgress) -> Void
    ) throws(DivergenceError) -> Trained {
        let features = data.count > 0 ? data.inputs.count / data.count : 0
        let augmentation = recipe.augmentation, shape = state.program.architecture.input
        let examples = data.count
        let perEpoch = recipe.stepsPerEpoch(examples: examples)
        let total = perEpoch * recipe.epochs
        var checkpoints: [(step: Int, network: Network)] = []
        let wanted = Set(recipe.checkpoints.filter { $0 >= first && $0 <= total })
        if wanted.contains(first) { checkpoints.append((first, initial)) }
        let optimizer = OptimizerState(recipe.optimizer, count: state.parameterCount)
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
                // A stream per update, not per run: a resumed run augments each step as an uninterrupted one.
                var draws = RandomStream(seed: seed, purpose: "augment", index: UInt64(step))
                data.inputs.withUnsafeBufferPointer { inputs in
                    guard let src = inputs.baseAddress else { return }
                    for r in 0..<batch {
                        let index = permutation[start + r]
                        let example = src + index * features, slot = state.batchInputs + r * features
                        if augmentation.isIdentity {
                            slot.update(from: example, count: features)
                        } else {
                            augmentation.apply(
                                augmentation.placement(from: &draws), shape: shape,
                                from: UnsafeBufferPointer(start: example, count: features),
                                to: UnsafeMutableBufferPointer(start: slot, count: features))
                        }
                        state.batchLabels[r] = data.labels[index]
                    }
                }
                let loss = state.computeGradients(batch: batch, parallelism: parallelism) / Double(batch)
                guard loss.isFinite else { throw DivergenceError(step: step + 1, loss: loss) }
                let lr = recipe.learningRate(step: step, total: total, stepsPerEpoch: perEpoch)
                optimizer.update(
                    weights: state.parameters, gradients: state.gradients, keep: keep, learningRate: lr,
                    weightDecay: recipe.weightDecay, parallelism: parallelism)
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
