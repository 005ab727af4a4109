import Engine
import Foundation
import Testing

@Suite struct AdamWTests {
    /// torch.optim.AdamW's update, in Double, for `steps` updates from zero moments.
    static func oracle(
        weights: [Double], gradients: [[Double]], lr: Double, beta1: Double, beta2: Double, eps: Double, decay: Double
    ) -> [Double] {
        var w = weights
        var m = [Double](repeating: 0, count: w.count), v = m
        for (t, g) in gradients.enumerated() {
            let step = Double(t + 1)
            for i in w.indices {
                w[i] *= 1 - lr * decay
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                let mHat = m[i] / (1 - pow(beta1, step)), vHat = v[i] / (1 - pow(beta2, step))
                w[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
        return w
    }

    @Test("six AdamW updates of random weights and gradients agree with the formula in Double")
    func matchesOracle() {
        var random = RandomStream(seed: 3, purpose: "adamw", index: 0)
        let count = 257
        let weights = (0..<count).map { _ in Float(random.normal()) }
        // Gradients of every scale, sign changes included, so that the bias corrections and ε all matter.
        let gradients = (0..<6).map { t in
            (0..<count).map { i in Float(random.normal()) * pow(10, Float(i % 7 - 5)) * (t % 2 == 0 ? 1 : -0.5) }
        }
        let state = OptimizerState(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), count: count)
        var w = weights
        for g in gradients {
            w.withUnsafeMutableBufferPointer { wp in
                g.withUnsafeBufferPointer { gp in
                    state.update(
                        weights: wp.baseAddress!, gradients: gp.baseAddress!, learningRate: 0.01, weightDecay: 0.1,
                        parallelism: .serial)
                }
            }
        }
        let expected = Self.oracle(
            weights: weights.map(Double.init), gradients: gradients.map { $0.map(Double.init) }, lr: 0.01, beta1: 0.9,
            beta2: 0.999, eps: 1e-8, decay: 0.1)
        let error = zip(w, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(error < 1e-6, "largest difference \(error)")
        // The same updates without decay move the weights differently: the decay is applied.
        let undecayed = Self.oracle(
            weights: weights.map(Double.init), gradients: gradients.map { $0.map(Double.init) }, lr: 0.01, beta1: 0.9,
            beta2: 0.999, eps: 1e-8, decay: 0)
        #expect((zip(w, undecayed).map { abs(Double($0) - $1) }.max() ?? 0) > 1e-4)
    }

    @Test("weight decay is decoupled: with zero gradients AdamW only shrinks the weights by (1 − ηλ) per update")
    func decoupledDecay() {
        let state = OptimizerState(.adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), count: 3)
        var w: [Float] = [1, -2, 0.5]
        let zero = [Float](repeating: 0, count: 3)
        for _ in 0..<4 {
            w.withUnsafeMutableBufferPointer { wp in
                zero.withUnsafeBufferPointer { gp in
                    state.update(
                        weights: wp.baseAddress!, gradients: gp.baseAddress!, learningRate: 0.1, weightDecay: 0.5,
                        parallelism: .serial)
                }
            }
        }
        let keep = Float(1 - 0.1 * 0.5)
        #expect(w == [1, -2, 0.5].map { $0 * keep * keep * keep * keep })
    }

    @Test("full-batch AdamW with warmup and cosine decay trains an MLP to PyTorch's weights")
    func matchesPyTorch() throws {
        // The committed run of `scripts/torch-adamw-fixture.py`.
        let recipe = try Fixtures.torchSettings("adamw", "recipe.txt")
        let steps = try #require(recipe["steps"].map { Int($0) })
        let data = try Fixtures.torchTensors("adamw", "data.safetensors")
        let inputs = try #require(data["inputs"]), labels = try #require(data["labels"])
        let split = Dataset.Split(inputs: inputs.scalars, labels: labels.scalars.map { Int32($0) })
        let program = try Fixtures.mlp([12, 16, 16, 3])
        let initial = Network(program: program, tensors: try Fixtures.torchTensors("adamw", "initial.safetensors"))
        let training = TrainingRecipe(
            learningRate: try #require(recipe["lr"]),
            optimizer: .adamW(
                beta1: try #require(recipe["beta1"]), beta2: try #require(recipe["beta2"]), epsilon: try #require(recipe["eps"])),
            weightDecay: try #require(recipe["weight_decay"]), batchSize: split.count, epochs: steps,
            warmupEpochs: try #require(recipe["warmup"]), decay: .cosine, checkpoints: [])
        let trained = try Trainer.train(
            program, seed: 1, recipe: training, data: split, parallelism: .serial, resume: (initial, 0)
        ).final
        let expected = try Fixtures.torchTensors("adamw", "final.safetensors")
        for (name, tensor) in trained.tensors {
            let torch = try #require(expected[name], "\(name) is not in the fixture")
            let error = zip(tensor.scalars, torch.scalars).map { abs($0 - $1) }.max() ?? .infinity
            #expect(error < 1e-5, "\(name): largest difference \(error)")
            // Training moved every tensor well beyond that tolerance: the comparison is not trivial.
            let moved = zip(tensor.scalars, initial.tensors[name]?.scalars ?? []).map { abs($0 - $1) }.max() ?? 0
            #expect(moved > 1e-3, "\(name) moved only \(moved)")
        }
    }
}
