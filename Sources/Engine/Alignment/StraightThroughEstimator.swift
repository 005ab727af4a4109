/// Git Re-Basin's straight-through estimator: a permutation of B learned by lowering the loss of the
/// midpoint between A and the permuted B (Ainsworth, Hayase and Srinivasa 2023, section 3.3).
///
/// A real-valued estimate θ̃ starts at θ_A. Each update projects it to the nearest permutation of B by
/// weight matching (π = WM(θ_B → θ̃), continued from the previous π), forms the midpoint
/// m = (θ_A + π(θ_B)) / 2, and takes an SGD step on θ̃ with the gradient of the training loss at m passed
/// straight through the projection: ∂m/∂θ̃ is taken as ½, as if π(θ_B) were θ̃. The result is the last
/// projection. Bitwise reproducible for any thread count: batches come from (seed, "ste/order", epoch),
/// and weight matching and the gradients are deterministic.
public enum StraightThroughEstimator {
    /// The permutations found, and the midpoint's training loss along the way.
    public struct Result: Sendable {
        /// One permutation per group of the spec: `b.permuted(by: permutations)` is B in A's order.
        public var permutations: [Permutation]
        /// Mean midpoint loss over each epoch's batches.
        public var epochLosses: [Double]
        /// Updates taken.
        public var steps: Int
    }

    /// Why the estimator stopped.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The weights or the estimate hold NaN or infinities, so no permutation can be projected.
        case nonFiniteWeights
        /// The midpoint's loss became NaN or infinite (the learning rate is too high).
        case diverged(step: Int, loss: Double)

        public var description: String {
            switch self {
            case .nonFiniteWeights: "the weights hold NaN or infinities"
            case .diverged(let step, let loss): "the midpoint's loss became \(loss) at step \(step)"
            }
        }
    }

    /// Permutations of N networks into the first one's order, and the centroid's training loss along the way.
    public struct JointResult: Sendable {
        /// For each network, one permutation per group (the identities for the first).
        public var permutations: [[Permutation]]
        /// Mean centroid loss over each epoch's batches.
        public var epochLosses: [Double]
        /// Updates taken.
        public var steps: Int
    }

    /// Learns the permutation of `b` that best connects it to `a` at the midpoint: `alignJointly([a, b])`.
    public static func align(
        _ b: Network, to a: Network, data: Dataset.Split, epochs: Int, batchSize: Int, learningRate: Double,
        momentum: Double, maxSweeps: Int = 100, seed: UInt64, parallelism: Parallelism
    ) throws(Failure) -> Result {
        let joint = try alignJointly(
            [a, b], data: data, epochs: epochs, batchSize: batchSize, learningRate: learningRate, momentum: momentum,
            maxSweeps: maxSweeps, seed: seed, parallelism: parallelism)
        return Result(permutations: joint.permutations[1], epochLosses: joint.epochLosses, steps: joint.steps)
    }

    /// The estimator for N networks: one estimate of the centroid, every other network projected onto it.
    ///
    /// θ̃ starts at the first network's weights (in its order); each update weight-matches every other
    /// network to θ̃, and lowers the loss at the centroid (θ_1 + Σ_{i>1} π_i(θ_i)) / N with its gradient
    /// passed straight through every projection (∂/∂θ̃ taken as (N−1)/N). With two networks, the centroid is
    /// the midpoint.
    ///
    /// - Parameters:
    ///   - data: Training examples; each epoch visits them all in a seeded order.
    ///   - learningRate, momentum: SGD on the estimate (no weight decay).
    ///   - maxSweeps: Weight matching's sweeps for each projection.
    /// - Precondition: Two or more compatible networks, `epochs ≥ 1`, `batchSize ≥ 1`, and `data` is not empty.
    public static func alignJointly(
        _ networks: [Network], data: Dataset.Split, epochs: Int, batchSize: Int, learningRate: Double,
        momentum: Double, maxSweeps: Int = 100, seed: UInt64, parallelism: Parallelism
    ) throws(Failure) -> JointResult {
        precondition(networks.count >= 2 && epochs >= 1 && batchSize >= 1 && data.count > 0)
        precondition(networks.allSatisfy { $0.isCompatible(with: networks[0]) }, "networks of different architectures")
        let spec = networks[0].permutationSpec
        let others = networks.dropFirst().map(\.trainedTensors)
        let state = NetworkState(network: networks[0], batchCapacity: min(batchSize, data.count), training: true)
        let count = state.parameterCount
        // θ̃ and its optimizer live beside the state, whose parameters hold each centroid in turn.
        let estimate = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let optimizer = OptimizerState(.sgd(momentum: momentum, nesterov: false), count: count)
        let anchor = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer {
            estimate.deallocate()
            anchor.deallocate()
        }
        estimate.initialize(from: state.parameters, count: count)
        anchor.initialize(from: state.parameters, count: count)
        /// The estimate as tensors, for weight matching.
        func estimated() -> [String: Tensor] {
            state.parameters.update(from: estimate, count: count)
            return state.snapshot().trainedTensors
        }
        var permutations = others.map { _ in spec.groups.map { Permutation(identity: $0.size) } }
        func project() throws(Failure) {
            let target = estimated()
            for i in others.indices {
                do {
                    permutations[i] = try WeightMatching.ascend(
                        others[i], to: target, spec: spec, maxSweeps: maxSweeps, seed: seed, from: permutations[i],
                        parallelism: parallelism
                    ).permutations
                } catch { throw .nonFiniteWeights }
            }
        }
        let features = data.inputs.count / data.count
        var step = 0
        var losses: [Double] = []
        for epoch in 0..<epochs {
            var order = RandomStream(seed: seed, purpose: "ste/order", index: UInt64(epoch))
            let shuffled = order.permutation(data.count)
            var total = 0.0, batches = 0
            for start in stride(from: 0, to: data.count, by: batchSize) {
                try project()
                let rows = min(batchSize, data.count - start)
                data.inputs.withUnsafeBufferPointer { inputs in
                    guard let source = inputs.baseAddress else { return }
                    for r in 0..<rows {
                        let index = shuffled[start + r]
                        (state.batchInputs + r * features).update(from: source + index * features, count: features)
                        state.batchLabels[r] = data.labels[index]
                    }
                }
                let moved = zip(networks.dropFirst(), permutations).map { $0.permuted(by: $1) }
                let loss = centroidStep(state, anchor: anchor, moved: moved, rows: rows, parallelism: parallelism)
                step += 1
                guard loss.isFinite else { throw .diverged(step: step, loss: loss) }
                total += loss
                batches += 1
                optimizer.update(
                    weights: estimate, gradients: state.gradients, learningRate: learningRate, weightDecay: 0,
                    parallelism: parallelism)
            }
            losses.append(total / Double(max(batches, 1)))
        }
        try project()
        let identities = spec.groups.map { Permutation(identity: $0.size) }
        return JointResult(permutations: [identities] + permutations, epochLosses: losses, steps: step)
    }

    /// One estimator step's gradient, (N−1)/N ∇L at the centroid, left in the state's gradients.
    ///
    /// Loads the centroid (θ_1 + Σ π_i(θ_i)) / N of `anchor` (the first network's trained parameters in the
    /// state's layout) and `moved` (the others, permuted) into `state` and runs the `rows` examples already
    /// in its batch: the gradient for θ̃ passed straight through the projections, each π_i(θ_i) taken as
    /// θ̃. Returns the mean centroid loss.
    package static func centroidStep(
        _ state: NetworkState, anchor: UnsafePointer<Float>, moved: [Network], rows: Int, parallelism: Parallelism
    ) -> Double {
        let count = state.parameterCount
        let sum = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { sum.deallocate() }
        sum.initialize(from: anchor, count: count)
        for network in moved {
            state.loadParameters(network)
            for k in 0..<count { sum[k] += state.parameters[k] }
        }
        let share = 1 / Float(moved.count + 1), through = Float(moved.count) / Float(moved.count + 1)
        for k in 0..<count { state.parameters[k] = sum[k] * share }
        let loss = state.computeGradients(batch: rows, parallelism: parallelism) / Double(rows)
        for k in 0..<count { state.gradients[k] *= through }
        return loss
    }
}
