import Engine
import Testing

/// Git Re-Basin's straight-through estimator (`StraightThroughEstimator`).
@Suite struct StraightThroughEstimatorTests {
    static func data(_ count: Int = 400) -> Dataset {
        var data = Dataset.synthetic(features: 20, classes: 4, trainCount: count, testCount: 200, noise: 3, seed: 8)
        data.standardize()
        return data
    }

    /// Two independently trained MLPs on the synthetic data.
    static func pair() throws -> (Network, Network) {
        let program = try Fixtures.mlp([20, 48, 48, 4])
        let recipe = TrainingRecipe(
            learningRate: 0.05, optimizer: .sgd(momentum: 0.9, nesterov: false), weightDecay: 0, batchSize: 32, epochs: 4,
            warmupEpochs: 0,
            decay: .none, checkpoints: [], augmentation: .none)
        let train = { (seed: UInt64) in
            try Trainer.train(program, seed: seed, recipe: recipe, data: Self.data().train, parallelism: .serial).final
        }
        return (try train(1), try train(2))
    }

    @Test("the gradient passed to the estimate is ½ ∇L at the midpoint: central differences of L((θ_A + x) / 2) agree")
    func projectionStepGradient() throws {
        let (a, b) = try Self.pair()
        let moved = b.permuted(by: b.permutationSpec.groups.map { Permutation(identity: $0.size) })
        let split = Self.data(64).train
        let state = NetworkState(network: a, batchCapacity: split.count, training: true)
        let anchor = UnsafeMutablePointer<Float>.allocate(capacity: state.parameterCount)
        defer { anchor.deallocate() }
        anchor.initialize(from: state.parameters, count: state.parameterCount)
        state.batchInputs.update(from: split.inputs, count: split.inputs.count)
        for r in 0..<split.count { state.batchLabels[r] = split.labels[r] }
        let loss = StraightThroughEstimator.centroidStep(
            state, anchor: anchor, moved: [moved], rows: split.count, parallelism: .serial)
        // f(x) = L((θ_A + x) / 2) on the same examples, by the evaluation path.
        func f(_ x: Network) -> Double {
            Interpolation.combination([a, x], weights: [0.5, 0.5]).measure(on: split, parallelism: .serial).loss
        }
        #expect(abs(f(moved) - loss) < 1e-5, "\(f(moved)) vs \(loss)")
        // The chain rule's part exactly: ½ the gradient a fresh state computes at the midpoint.
        let fresh = NetworkState(
            network: Interpolation.combination([a, moved], weights: [0.5, 0.5]), batchCapacity: split.count, training: true)
        fresh.batchInputs.update(from: split.inputs, count: split.inputs.count)
        for r in 0..<split.count { fresh.batchLabels[r] = split.labels[r] }
        _ = fresh.computeGradients(batch: split.count, parallelism: .serial)
        #expect((0..<state.parameterCount).allSatisfy { state.gradients[$0] == 0.5 * fresh.gradients[$0] })
        var stream = RandomStream(seed: 3, purpose: "direction")
        // Directions in the output layer (smooth in its parameters), a hidden bias and a few hidden weights:
        // small supports, so that few examples cross a ReLU's kink within ±ε.
        let supports: [(name: String, entries: Int?)] = [
            ("fc3.weight", nil), ("fc3.bias", nil), ("fc2.bias", nil), ("fc1.weight", 12),
        ]
        for (trial, support) in supports.enumerated() {
            // A random direction v on the support, and its layout in the state's gradient vector.
            var tensors = moved.tensors
            var direction: [String: Tensor] = [:]
            for (name, t) in moved.trainedTensors.sorted(by: { $0.key < $1.key }) {
                var v = [Float](repeating: 0, count: t.count)
                if name == support.name {
                    for _ in 0..<(support.entries ?? t.count) { v[stream.below(t.count)] = Float(stream.normal()) }
                }
                direction[name] = Tensor(shape: t.shape, scalars: v)
            }
            #expect(direction[support.name]?.scalars.contains { $0 != 0 } == true, "\(support.name)")
            let layout = NetworkState(
                network: Network(program: a.program, tensors: moved.tensors.merging(direction) { $1 }), batchCapacity: 1,
                training: false)
            var analytic = 0.0
            for k in 0..<state.parameterCount { analytic += Double(state.gradients[k]) * Double(layout.parameters[k]) }
            let epsilon: Float = 1e-3
            func shifted(_ sign: Float) -> Network {
                for (name, v) in direction {
                    let x = moved.tensors[name]?.scalars ?? []
                    tensors[name] = Tensor(shape: v.shape, scalars: zip(x, v.scalars).map { $0 + sign * epsilon * $1 })
                }
                return Network(program: a.program, tensors: tensors)
            }
            let numeric = (f(shifted(1)) - f(shifted(-1))) / (2 * Double(epsilon))
            #expect(abs(analytic - numeric) <= 2e-2 * max(abs(numeric), 1e-3), "direction \(trial): \(analytic) vs \(numeric)")
        }
    }

    @Test("a permuted copy of A is put back in A's order exactly")
    func recoversPlanted() throws {
        let (a, _) = try Self.pair()
        var stream = RandomStream(seed: 4, purpose: "plant")
        let b = a.permuted(by: a.permutationSpec.randomPermutations(using: &stream))
        let result = try StraightThroughEstimator.align(
            b, to: a, data: Self.data().train, epochs: 1, batchSize: 50, learningRate: 0.01, momentum: 0.9, seed: 1,
            parallelism: .serial)
        #expect(b.permuted(by: result.permutations).isBitwiseEqual(a) && result.steps == 8)
    }

    @Test("three permuted copies of A are put into A's order exactly by the joint estimator")
    func recoversPlantedJointly() throws {
        let (a, _) = try Self.pair()
        var stream = RandomStream(seed: 6, purpose: "plant")
        let copies =
            [a] + (0..<2).map { _ in a.permuted(by: a.permutationSpec.randomPermutations(using: &stream)) }
        let result = try StraightThroughEstimator.alignJointly(
            copies, data: Self.data().train, epochs: 1, batchSize: 100, learningRate: 0.01, momentum: 0.9, seed: 1,
            parallelism: .serial)
        #expect(result.permutations[0].allSatisfy { $0.isIdentity })
        for i in 1..<3 { #expect(copies[i].permuted(by: result.permutations[i]).isBitwiseEqual(a), "copy \(i)") }
    }

    @Test("on an independent pair, the learned permutation's midpoint loss is below weight matching's; 1 and 2 threads agree")
    func lowersMidpointLoss() throws {
        let (a, b) = try Self.pair()
        let data = Self.data()
        func midpoint(_ permutations: [Permutation]) -> Double {
            Interpolation.combination([a, b.permuted(by: permutations)], weights: [0.5, 0.5]).measure(
                on: data.train, parallelism: .serial
            ).loss
        }
        let wm = try WeightMatching.align(b, to: a, maxSweeps: 100, seed: 0, parallelism: .serial)
        let ste = try StraightThroughEstimator.align(
            b, to: a, data: data.train, epochs: 5, batchSize: 32, learningRate: 0.05, momentum: 0.9, seed: 2, parallelism: .serial
        )
        #expect(
            midpoint(ste.permutations) < midpoint(wm.permutations),
            "STE \(midpoint(ste.permutations)), WM \(midpoint(wm.permutations))")
        #expect(ste.epochLosses.count == 5 && ste.epochLosses.allSatisfy(\.isFinite))
        let parallel = try StraightThroughEstimator.align(
            b, to: a, data: data.train, epochs: 5, batchSize: 32, learningRate: 0.05, momentum: 0.9, seed: 2,
            parallelism: Parallelism(threads: 2))
        #expect(parallel.permutations == ste.permutations && parallel.epochLosses == ste.epochLosses)
    }
}
