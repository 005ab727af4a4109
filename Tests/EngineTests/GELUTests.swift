import Engine
import Foundation
import Testing

@Suite struct GELUTests {
    /// GELU in Double: x·Φ(x).
    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

    /// An MLP with a GELU after each hidden layer, named as the built-in MLP (fc1, fc2, …).
    static func program(_ sizes: [Int]) throws -> LayerProgram {
        var architecture = Architecture(input: ImageShape(channels: 1, height: 1, width: sizes[0]), layers: [])
        architecture.append("flatten", .flatten)
        for l in 1..<sizes.count {
            architecture.append("fc\(l)", .linear(outputs: sizes[l], bias: true))
            if l < sizes.count - 1 { architecture.append("gelu\(l)", .gelu) }
        }
        return try LayerProgram(architecture)
    }

    @Test("logits through GELU layers match x·Φ(x) in Double, and PyTorch's F.gelu at reference points")
    func forwardMatchesOracle() throws {
        // torch.nn.functional.gelu(torch.tensor([-3., -1., -0.5, 0.5, 1., 3.])), printed to 6 digits.
        let torch: [(Double, Double)] = [
            (-3, -0.004050), (-1, -0.158655), (-0.5, -0.154269), (0.5, 0.345731), (1, 0.841345), (3, 2.995950),
        ]
        for (x, y) in torch { #expect(abs(Self.gelu(x) - y) < 1e-6, "GELU(\(x))") }
        let sizes = [5, 7, 6, 3], batch = 4
        let network = Network(program: try Self.program(sizes), seed: 2)
        let x = Fixtures.matrix(batch, sizes[0], seed: 2, purpose: "x")
        let state = NetworkState(network: network, batchCapacity: batch, training: true)
        for i in 0..<x.count { state.batchInputs[i] = x[i] }
        for r in 0..<batch { state.batchLabels[r] = Int32(r % 3) }
        let loss = state.computeGradients(batch: batch, parallelism: .serial) / Double(batch)
        let expected = GradientTests.referenceLoss(
            network.namedTensors.flatMap(\.tensor.scalars).map(Double.init), sizes: sizes, x: x,
            labels: (0..<batch).map { Int32($0 % 3) }, activation: Self.gelu)
        #expect(abs(loss - expected) <= 1e-5 * max(1, expected), "\(loss) vs \(expected)")
    }

    @Test("backward through GELU matches central differences of the Double oracle, every parameter")
    func finiteDifferences() throws {
        let sizes = [5, 7, 6, 3]
        GradientTests.expectOracleGradients(
            Network(program: try Self.program(sizes), seed: 5), sizes: sizes, activation: Self.gelu)
    }

    @Test("GELU keeps hidden units permutable: a randomly permuted GELU MLP computes the same logits")
    func permutationEquivalence() throws {
        let network = Network(program: try Self.program([20, 33, 17, 4]), seed: 3)
        #expect(network.permutationSpec.groups.map(\.name) == ["fc1", "fc2"])
        var stream = RandomStream(seed: 3, purpose: "test/gelu")
        let permuted = network.permuted(by: network.permutationSpec.groups.map { Permutation.random($0.size, using: &stream) })
        #expect(!permuted.isBitwiseEqual(network))
        let data = Fixtures.dataset(features: 20)
        let x = network.logits(data.test, parallelism: .serial), y = permuted.logits(data.test, parallelism: .serial)
        #expect((zip(x, y).map { abs($0 - $1) }.max() ?? .nan) <= 1e-5)
    }
}
