import Foundation
import Testing
import Engine

@Suite struct GradientTests {
    /// Mean cross-entropy of an MLP (`activation` after each hidden layer; ReLU unless given), computed from
    /// scratch in Double: the oracle.
    static func referenceLoss(
        _ params: [Double], sizes: [Int], x: [Float], labels: [Int32], activation: (Double) -> Double = { max($0, 0) }
    ) -> Double {
        let batch = labels.count
        var total = 0.0
        for r in 0..<batch {
            var h = (0..<sizes[0]).map { Double(x[r * sizes[0] + $0]) }
            var offset = 0
            for l in 1..<sizes.count {
                let fanIn = sizes[l - 1], fanOut = sizes[l]
                let w = offset, b = offset + fanIn * fanOut
                offset = b + fanOut
                h = (0..<fanOut).map { o in
                    let z = params[b + o] + (0..<fanIn).reduce(0.0) { $0 + params[w + o * fanIn + $1] * h[$1] }
                    return l < sizes.count - 1 ? activation(z) : z
                }
            }
            let top = h.max() ?? 0
            total += log(h.reduce(0.0) { $0 + exp($1 - top) }) - (h[Int(labels[r])] - top)
        }
        return total / Double(batch)
    }

    @Test("backward matches central differences of a Double oracle, every parameter")
    func finiteDifferences() throws {
        Self.expectOracleGradients(Network(program: try Fixtures.mlp([5, 7, 6, 3]), seed: 5), sizes: [5, 7, 6, 3])
    }

    /// Checks every parameter's gradient of `network` (an MLP of `sizes`, `activation` between layers) on a
    /// batch of 4 against central differences of `referenceLoss`.
    static func expectOracleGradients(
        _ network: Network, sizes: [Int], activation: @escaping (Double) -> Double = { max($0, 0) }
    ) {
        let batch = 4
        let x = Fixtures.matrix(batch, sizes[0], seed: 5, purpose: "x")
        let labels: [Int32] = [0, 2, 1, 2]
        let state = NetworkState(network: network, batchCapacity: batch, training: true)
        for i in 0..<x.count { state.batchInputs[i] = x[i] }
        for r in 0..<batch { state.batchLabels[r] = labels[r] }
        _ = state.computeGradients(batch: batch, parallelism: .serial)
        let params = network.namedTensors.flatMap(\.tensor.scalars).map(Double.init)
        let loss = { (p: [Double]) in referenceLoss(p, sizes: sizes, x: x, labels: labels, activation: activation) }
        let h = 1e-5
        for i in params.indices {
            var plus = params, minus = params
            plus[i] += h
            minus[i] -= h
            let numeric = (loss(plus) - loss(minus)) / (2 * h)
            let analytic = Double(state.gradients[i])
            // Float32 backward against a Double oracle: agreement to ~1e-4 relative shows the formula is right.
            #expect(abs(analytic - numeric) <= 1e-4 + 1e-3 * abs(numeric), "parameter \(i): \(analytic) vs \(numeric)")
        }
    }

    @Test("the loss of the first forward pass matches the oracle")
    func lossMatchesOracle() throws {
        let sizes = [5, 7, 3], batch = 3
        let network = Network(program: try Fixtures.mlp(sizes), seed: 8)
        let x = Fixtures.matrix(batch, sizes[0], seed: 8, purpose: "x")
        let labels: [Int32] = [1, 0, 2]
        let state = NetworkState(network: network, batchCapacity: batch, training: true)
        for i in 0..<x.count { state.batchInputs[i] = x[i] }
        for r in 0..<batch { state.batchLabels[r] = labels[r] }
        let loss = state.computeGradients(batch: batch, parallelism: .serial) / Double(batch)
        let expected = Self.referenceLoss(
            network.namedTensors.flatMap(\.tensor.scalars).map(Double.init), sizes: sizes, x: x, labels: labels)
        #expect(abs(loss - expected) <= 1e-5 * max(1, expected))
    }
}
