import Engine
import Testing

/// Optimizer updates run in fixed pieces on several threads: the same bits as on one.
@Suite struct OptimizerStateTests {
    static let optimizers: [TrainingRecipe.Optimizer] = [
        .sgd(momentum: 0.9, nesterov: false), .sgd(momentum: 0.9, nesterov: true),
        .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8),
    ]

    /// Weights after `updates` updates of 100,003 parameters (several pieces and a short last one).
    ///
    /// - Parameter mask: gradient multipliers, given to the update (`folded`) or applied to the gradients
    ///   before it.
    static func weights(
        _ optimizer: TrainingRecipe.Optimizer, threads: Int, updates: Int = 4, mask: [Float]? = nil,
        folded: Bool = true
    ) -> [Float] {
        let count = 100_003
        var weights = Fixtures.matrix(1, count, seed: 5, purpose: "weights")
        let state = OptimizerState(optimizer, count: count)
        for u in 0..<updates {
            var gradients = Fixtures.matrix(1, count, seed: 6 + UInt64(u), purpose: "gradients")
            if let mask, !folded { for i in 0..<count { gradients[i] *= mask[i] } }
            weights.withUnsafeMutableBufferPointer { w in
                gradients.withUnsafeBufferPointer { g in
                    guard let w = w.baseAddress, let g = g.baseAddress else { return }
                    state.update(
                        weights: w, gradients: g, keep: folded ? mask : nil, learningRate: 0.05, weightDecay: 5e-4,
                        parallelism: Parallelism(threads: threads))
                }
            }
        }
        return weights
    }

    @Test("an update split over threads gives the serial update's bits", arguments: 0..<3)
    func threadIndependent(_ index: Int) {
        let optimizer = Self.optimizers[index]
        let serial = Self.weights(optimizer, threads: 1), parallel = Self.weights(optimizer, threads: 2)
        #expect(serial.map(\.bitPattern) == parallel.map(\.bitPattern))
        #expect(serial != Fixtures.matrix(1, 100_003, seed: 5, purpose: "weights"), "the weights moved")
    }

    @Test("a mask folded into the update gives the bits of masking the gradients first", arguments: 0..<3)
    func foldedMask(_ index: Int) {
        let optimizer = Self.optimizers[index]
        var stream = RandomStream(seed: 7, purpose: "mask")
        let mask = (0..<100_003).map { _ in Float(stream.below(3) == 0 ? 0 : 1) }
        let folded = Self.weights(optimizer, threads: 2, mask: mask)
        let first = Self.weights(optimizer, threads: 2, mask: mask, folded: false)
        #expect(folded.map(\.bitPattern) == first.map(\.bitPattern))
        #expect(folded != Self.weights(optimizer, threads: 2), "the mask changed something")
    }

    @Test("every parameter is updated once, the last short piece included: SGD as its formula gives it")
    func everyParameterOnce() {
        let count = 100_003
        var w = Fixtures.matrix(1, count, seed: 5, purpose: "weights")
        var v = [Float](repeating: 0, count: count)
        for u in 0..<4 {
            let g = Fixtures.matrix(1, count, seed: 6 + UInt64(u), purpose: "gradients")
            for i in 0..<count {
                let d = g[i] + Float(5e-4) * w[i]
                v[i] = Float(0.9) * v[i] + d
                w[i] -= Float(0.05) * v[i]
            }
        }
        let updated = Self.weights(.sgd(momentum: 0.9, nesterov: false), threads: 2)
        #expect(updated.map(\.bitPattern) == w.map(\.bitPattern))
    }
}
