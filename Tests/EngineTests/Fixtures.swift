import Engine
import Foundation
import Testing

/// Seeded test data.
///
/// Every fixture takes a seed so a failure can be reproduced from its message.
enum Fixtures {
    /// A committed PyTorch fixture's tensors: `TorchFixtures/<fixture>/<file>`, a safetensors file.
    static func torchTensors(_ fixture: String, _ file: String) throws -> [String: Tensor] {
        let bytes = try #require(FileManager.default.contents(atPath: torchFixture(fixture) + "/" + file))
        return Dictionary(
            uniqueKeysWithValues: try SafeTensors.decode([UInt8](bytes), file: file).tensors.map { ($0.name, $0.tensor) })
    }

    /// A committed PyTorch fixture's settings: `key value` lines of `TorchFixtures/<fixture>/<file>`.
    static func torchSettings(_ fixture: String, _ file: String) throws -> [String: Double] {
        let text = try String(contentsOfFile: torchFixture(fixture) + "/" + file, encoding: .utf8)
        return Dictionary(
            uniqueKeysWithValues: text.split(separator: "\n").compactMap { line -> (String, Double)? in
                let parts = line.split(separator: " ")
                guard parts.count == 2, let value = Double(parts[1]) else { return nil }
                return (String(parts[0]), value)
            })
    }

    private static func torchFixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("TorchFixtures/" + name).path
    }

    static func matrix(_ rows: Int, _ cols: Int, seed: UInt64, purpose: String) -> [Float] {
        var stream = RandomStream(seed: seed, purpose: purpose)
        return (0..<rows * cols).map { _ in stream.uniform(-1, 1) }
    }

    /// A small synthetic dataset that an MLP learns in a few epochs.
    static func dataset(features: Int = 20, classes: Int = 4, train: Int = 600, test: Int = 200, seed: UInt64 = 3) -> Dataset {
        var data = Dataset.synthetic(
            features: features, classes: classes, trainCount: train, testCount: test, noise: 1, seed: seed)
        data.standardize()
        return data
    }

    static func recipe(epochs: Int = 3, batch: Int = 32, lr: Double = 0.05) -> TrainingRecipe {
        TrainingRecipe(
            learningRate: lr, optimizer: .sgd(momentum: 0.9, nesterov: false), weightDecay: 5e-4, batchSize: batch,
            epochs: epochs,
            warmupEpochs: 0.5, decay: .linear, checkpoints: [])
    }

    /// Largest |x − y| / max(1, |y|): relative for large values, absolute near zero.
    static func maxScaledError(_ x: [Float], _ y: [Double]) -> Double {
        zip(x, y).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
    }
}

extension Fixtures {
    /// Checks `analytic` (dL/dinput from the layer's backward with dy = r) against central differences of
    /// Σ r·oracle(input) in Double.
    static func expectGradient(
        _ analytic: [Float], at input: [Float], r: [Float], oracle: ([Double]) -> [Double], _ what: String
    ) {
        let h = 1e-6
        let point = input.map(Double.init)
        for i in input.indices {
            var plus = point, minus = point
            plus[i] += h
            minus[i] -= h
            let lp = zip(oracle(plus), r).reduce(0) { $0 + $1.0 * Double($1.1) }
            let lm = zip(oracle(minus), r).reduce(0) { $0 + $1.0 * Double($1.1) }
            let numeric = (lp - lm) / (2 * h)
            #expect(
                abs(Double(analytic[i]) - numeric) <= 1e-4 + 1e-3 * abs(numeric), "\(what) [\(i)]: \(analytic[i]) vs \(numeric)")
        }
    }

    /// An MLP program for `sizes` (input width, hidden widths, classes) on inputs of 1×1×width.
    static func mlp(_ sizes: [Int]) throws -> LayerProgram {
        try LayerProgram(
            .mlp(
                input: ImageShape(channels: 1, height: 1, width: sizes[0]), hidden: Array(sizes.dropFirst().dropLast()),
                classes: sizes[sizes.count - 1]))
    }
}

extension Network {
    /// Whether every tensor has the same bits as in `other`.
    func isBitwiseEqual(_ other: Network) -> Bool {
        let (x, y) = (namedTensors, other.namedTensors)
        return x.count == y.count && zip(x, y).allSatisfy { $0.name == $1.name && $0.tensor.isBitwiseEqual(to: $1.tensor) }
    }
}
