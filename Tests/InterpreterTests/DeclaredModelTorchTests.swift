import DSL
import Engine
import Foundation
import Interpreter
import Testing

/// Models declared layer by layer against PyTorch: each fixture under `Fixtures/declared/` holds a PyTorch
/// module's state dict, four input images and the logits PyTorch computed for them, written by
/// `scripts/torch-declared-fixtures.py` (the tests need no Python).
@Suite struct DeclaredModelTorchTests {
    /// One fixture directory and the shape of its inputs.
    struct Fixture: Sendable, CustomTestStringConvertible {
        var name: String
        var shape: ImageShape
        var testDescription: String { name }
    }

    static let fixtures = [
        Fixture(name: "cnn-mlp", shape: ImageShape(channels: 1, height: 12, width: 12)),
        Fixture(name: "resnet-bn", shape: ImageShape(channels: 3, height: 16, width: 16)),
        Fixture(name: "cifar", shape: ImageShape(channels: 3, height: 32, width: 32)),
    ]

    /// Largest accepted |lmc − PyTorch| / max(1, |PyTorch|) per logit.
    ///
    /// PyTorch's logits are float64 evaluations of the stored float32 numbers; lmc sums in float32 in
    /// another order. The logits are below 1 in magnitude, so float32 rounding over a few thousand
    /// products stays near 1e-6, while each wrong mapping the script tries moves a logit by more than 1e-2.
    static let tolerance: Float = 1e-4

    static func directory(_ fixture: Fixture) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/declared/" + fixture.name)
            .path
    }

    /// The F32 tensors of a safetensors file, by name.
    static func tensors(_ path: String) throws -> [String: Tensor] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let (tensors, _) = try SafeTensors.decode(bytes, file: path)
        return Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// A spec whose model `m` is the fixture's `model.yaml` and whose network `t` loads its state dict, on a
    /// synthetic dataset of 10 classes with the fixture's image shape.
    static func spec(_ fixture: Fixture) throws -> String {
        let layers = try String(contentsOfFile: directory(fixture) + "/model.yaml", encoding: .utf8)
        let indented = layers.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        let s = fixture.shape
        return """
            lmc: 1
            name: declared-\(fixture.name)
            datasets:
              d: {source: synthetic, features: \(s.features), classes: 10, train: 40, test: 20, seed: 4, \
            shape: [\(s.channels), \(s.height), \(s.width)]}
            models:
              m:
            \(indented)
            networks:
              t: {model: m, data: d, load: "\(directory(fixture))/model.safetensors"}
            evaluation: {alphas: 3}
            """
    }

    /// The fixture's network as lmc builds it from the declared layers and loads it from the state dict.
    static func network(_ fixture: Fixture) throws -> Network {
        let spec = try SpecDecoder().decode(try Self.spec(fixture), file: "declared.yaml", directory: directory(fixture))
        let model = try #require(spec.models.first { $0.name == "m" }?.value)
        let program = try model.program(input: fixture.shape, classes: 10)
        let file = directory(fixture) + "/model.safetensors"
        let tensors = try Self.tensors(file)
        let network = try Network(program: program, tensors: tensors, file: file)
        // Every float tensor of the state dict is one the program reads: none is silently left over.
        #expect(Set(tensors.keys) == Set(network.tensors.keys))
        return network
    }

    @Test("a declared model loaded from a PyTorch state dict computes PyTorch's logits", arguments: fixtures)
    func logitsMatchPyTorch(fixture: Fixture) throws {
        let network = try Self.network(fixture)
        let inputs = try #require(try Self.tensors(Self.directory(fixture) + "/inputs.safetensors")["inputs"])
        let expected = try #require(try Self.tensors(Self.directory(fixture) + "/logits.safetensors")["logits"])
        let s = fixture.shape
        try #require(inputs.shape == [4, s.height, s.width, s.channels] && expected.shape == [4, 10])
        let split = Dataset.Split(inputs: inputs.scalars, labels: [Int32](repeating: 0, count: 4))
        let logits = network.logits(split, parallelism: .serial)
        try #require(logits.count == expected.count)
        var worst = (index: 0, scaledError: Float(0))
        for (i, (a, b)) in zip(logits, expected.scalars).enumerated() {
            let scaled = abs(a - b) / max(1, abs(b))
            if scaled > worst.scaledError { worst = (i, scaled) }
        }
        let (example, logit) = worst.index.quotientAndRemainder(dividingBy: 10)
        #expect(
            worst.scaledError <= Self.tolerance,
            """
            \(fixture.name): example \(example), logit \(logit): lmc \(logits[worst.index]), \
            PyTorch \(expected.scalars[worst.index]) (scaled error \(worst.scaledError))
            """)
    }

    @Test("a PyTorch BatchNorm state dict (num_batches_tracked included) runs through load: and measures as loaded here")
    func loadRunsEndToEnd() throws {
        let fixture = try #require(Self.fixtures.first { $0.name == "resnet-bn" })
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try run(try Self.spec(fixture), in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures.map { "\($0.node): \($0.error)" })")
        var data = Dataset.synthetic(
            features: fixture.shape.features, classes: 10, trainCount: 40, testCount: 20, noise: 1, seed: 4,
            shape: fixture.shape)
        data.standardize()
        let measured = try Self.network(fixture).measure(on: data.test, parallelism: .serial)
        let reported = try #require(outcome.summary.networks["t"]?["test"])
        #expect(reported.loss == measured.loss && reported.error == measured.error)
    }
}
