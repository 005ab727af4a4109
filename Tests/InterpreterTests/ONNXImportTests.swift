import DSL
import Engine
import Foundation
import Interpreter
import Testing

/// Models imported from ONNX files against PyTorch: each fixture under `Fixtures/onnx/` holds a graph
/// exported by `torch.onnx.export` (TorchScript exporter `-ts`, dynamo exporter `-dynamo`), four input
/// images and the logits PyTorch computed for them, and the float initializers saved as a state dict under
/// their ONNX names; `scripts/torch-onnx-fixtures.py` writes them (the tests need no Python).
@Suite struct ONNXImportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/onnx").path

    static let fixtures: [String] =
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }.sorted()

    /// Largest accepted |lmc − PyTorch| / max(1, |PyTorch|) per logit (as for declared models: float32
    /// sums in another order than PyTorch's float64 reference).
    static let tolerance: Float = 1e-4

    /// The F32 tensors of a safetensors file, by name.
    static func tensors(_ path: String) throws -> [String: Tensor] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let (tensors, _) = try SafeTensors.decode(bytes, file: path)
        return Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// A fixture's inputs (`[N, H, W, C]`), their shape and PyTorch's logits.
    static func io(_ fixture: String) throws -> (inputs: Tensor, shape: ImageShape, logits: Tensor) {
        let inputs = try #require(try tensors(root + "/\(fixture)/inputs.safetensors")["inputs"])
        let logits = try #require(try tensors(root + "/\(fixture)/logits.safetensors")["logits"])
        try #require(inputs.shape.count == 4 && logits.shape.count == 2)
        return (inputs, ImageShape(channels: inputs.shape[3], height: inputs.shape[1], width: inputs.shape[2]), logits)
    }

    /// A spec with model `m` imported from the fixture's graph and network `t` loading `load` (a path
    /// relative to the fixture's directory), on a synthetic dataset of the fixture's shape.
    static func spec(_ fixture: String, load: String = "model.onnx") throws -> String {
        let (_, s, logits) = try io(fixture)
        return """
            lmc: 1
            name: onnx-\(fixture)
            datasets:
              d: {source: synthetic, features: \(s.features), classes: \(logits.shape[1]), train: 40, test: 20, seed: 4, \
            shape: [\(s.channels), \(s.height), \(s.width)]}
            models:
              m: {onnx: model.onnx}
            networks:
              t: {model: m, data: d, load: \(load)}
            evaluation: {alphas: 3}
            """
    }

    /// The imported model and the network `file` holds for it.
    static func network(_ fixture: String, file: String = "model.onnx") throws -> (ModelSpec, Network) {
        let directory = root + "/" + fixture
        let decoded = try SpecDecoder().decode(try spec(fixture, load: file), file: "onnx.yaml", directory: directory)
        let spec = try ModelImport.importingModels(decoded)
        let model = try #require(spec.models.first?.value)
        let (_, shape, logits) = try io(fixture)
        let program = try model.program(input: shape, classes: logits.shape[1])
        return (model, try NetworkFile.network(directory + "/" + file, model: model, program: program, prefixes: nil))
    }

    /// The largest |a − b| / max(1, |b|), and where.
    static func worst(_ a: [Float], _ b: [Float]) -> (index: Int, error: Float) {
        var worst = (index: 0, error: Float(0))
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) / max(1, abs(y)) > worst.error {
            worst = (i, abs(x - y) / max(1, abs(y)))
        }
        return worst
    }

    @Test("the zoo covers both exporters and every architecture of the issue")
    func zooIsComplete() {
        for model in ["mlp", "vgg-bn", "resnet20-bn", "cnn-mlp", "resnet-gn"] {
            #expect(Self.fixtures.contains("\(model)-ts") && Self.fixtures.contains("\(model)-dynamo"), "\(model)")
        }
    }

    @Test("an imported graph with its own initializers computes PyTorch's logits", arguments: fixtures)
    func logitsMatchPyTorch(fixture: String) throws {
        let (_, network) = try Self.network(fixture)
        let (inputs, _, expected) = try Self.io(fixture)
        let split = Dataset.Split(inputs: inputs.scalars, labels: [Int32](repeating: 0, count: inputs.shape[0]))
        let logits = network.logits(split, parallelism: .serial)
        try #require(logits.count == expected.count)
        let worst = Self.worst(logits, expected.scalars)
        #expect(
            worst.error <= Self.tolerance,
            "\(fixture): logit \(worst.index): lmc \(logits[worst.index]), PyTorch \(expected.scalars[worst.index])")
    }

    @Test("a state dict saved under the initializers' names loads the same network as the .onnx file", arguments: fixtures)
    func stateDictUnderInitializerNames(fixture: String) throws {
        let (model, fromGraph) = try Self.network(fixture)
        let (_, fromStateDict) = try Self.network(fixture, file: "weights.safetensors")
        #expect(fromGraph == fromStateDict)
        // Written back under the initializers' names, the tensors are the ones the file holds.
        let saved = try Self.tensors(Self.root + "/\(fixture)/weights.safetensors")
        for (name, tensor) in model.onnx?.initializerTensors(fromGraph) ?? [] {
            let original = try #require(saved[name], "\(name)")
            #expect(original.scalars == tensor.scalars, "\(name)")
        }
    }

    @Test("an imported ResNet with GroupNorm(2, 8) and GroupNorm(4, 16) everywhere is permuted within and across their groups")
    func groupNormParts() throws {
        for fixture in ["resnet-gn-ts", "resnet-gn-dynamo"] {
            let groups = try Self.network(fixture).1.permutationSpec.groups
            let expected = ["stream1 8/2", "layer1.0.conv1 8/2", "layer2.0.conv1 16/4", "stream2 16/4"]
            #expect(groups.map { "\($0.name) \($0.size)/\($0.parts)" } == expected, "\(fixture)")
            #expect(groups.allSatisfy { $0.exchangeableParts }, "\(fixture)")
        }
    }

    @Test("every permutation group derived from an imported graph leaves the logits unchanged", arguments: fixtures)
    func permutationGroupsPreserveFunction(fixture: String) throws {
        let (_, network) = try Self.network(fixture)
        let (inputs, _, _) = try Self.io(fixture)
        let split = Dataset.Split(inputs: inputs.scalars, labels: [Int32](repeating: 0, count: inputs.shape[0]))
        let before = network.logits(split, parallelism: .serial)
        let groups = network.permutationSpec.groups
        try #require(!groups.isEmpty)
        for (g, group) in groups.enumerated() {
            var stream = RandomStream(seed: 7, purpose: "onnx-permutation-test", index: UInt64(g))
            let permutations = groups.indices.map { i in
                i == g ? group.randomPermutation(using: &stream) : Permutation(identity: groups[i].size)
            }
            let after = network.permuted(by: permutations).logits(split, parallelism: .serial)
            let scale = before.map(abs).max() ?? 1
            let largest = zip(before, after).map { abs($0 - $1) }.max() ?? 0
            #expect(largest <= 1e-5 * max(scale, 1), "\(fixture): group \(group.name) moves a logit by \(largest)")
        }
    }
}

/// Files no importer should trust, written by `scripts/onnx-malformed-corpus.py`: each must be rejected
/// with an error naming the file and saying what is wrong (`manifest.tsv` gives a fragment of it), never
/// a trap.
@Suite struct ONNXMalformedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var problem: String
        var fragment: String
        var testDescription: String { file }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/onnx-malformed").path

    static let cases: [Case] = {
        guard let text = try? String(contentsOfFile: root + "/manifest.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return fields.count == 3 ? Case(file: fields[0], problem: fields[1], fragment: fields[2]) : nil
        }
    }()

    /// The diagnostics of importing `file` as model `m`.
    static func importDiagnostics(_ file: String) throws -> [Diagnostic] {
        let text = """
            lmc: 1
            name: malformed
            datasets:
              d: {source: synthetic, features: 16, classes: 3, train: 10, test: 10, seed: 1, shape: [1, 4, 4]}
            models:
              m: {onnx: \(file)}
            networks:
              a: {model: m, data: d, load: \(file)}
            """
        let spec = try SpecDecoder().decode(text, file: "malformed.yaml", directory: root)
        do {
            _ = try ModelImport.importingModels(spec)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test("the corpus has at least 30 files, and its valid base imports")
    func corpusIsComplete() throws {
        #expect(Self.cases.count >= 30)
        #expect(try Self.importDiagnostics("valid.onnx").isEmpty)
    }

    @Test("every malformed or unsupported file is rejected at the model, with what is wrong", arguments: cases)
    func rejected(_ c: Case) throws {
        let diagnostics = try Self.importDiagnostics(c.file)
        try #require(diagnostics.count == 1, "\(c.file) (\(c.problem)) was accepted")
        let message = diagnostics[0].message
        #expect(message.contains(c.file), "\(message)")
        #expect(diagnostics[0].location.line == 6, "the diagnostic points at the model's onnx: value")
        #expect(message.lowercased().contains(c.fragment.lowercased()), "\(c.problem): \(message)")
    }
}

extension ONNXImportTests {
    @Test("an imported ResNet-20 has the groups of the equivalent built-in model: 9 inner groups and 3 streams")
    func resnet20GroupsMatchBuiltIn() throws {
        let (_, imported) = try Self.network("resnet20-bn-ts")
        let (_, shape, logits) = try Self.io("resnet20-bn-ts")
        let text = """
            lmc: 1
            name: resnet20
            datasets:
              d: {source: synthetic, features: \(shape.features), classes: \(logits.shape[1]), train: 10, test: 10, seed: 1, \
            shape: [\(shape.channels), \(shape.height), \(shape.width)]}
            models:
              m: {kind: resnet, stages: 3, blocks: 3, width: 4, norm: batchnorm}
            networks:
              a: {model: m, data: d, recipe: r, seed: 1}
            recipes:
              r: {optimizer: {sgd: {lr: 0.1}}, batch: 8, epochs: 1}
            """
        let spec = try SpecDecoder().decode(text, file: "resnet20.yaml", directory: "/")
        let builtIn = try #require(spec.models.first?.value).program(input: shape, classes: logits.shape[1]).permutationSpec
        let groups = imported.permutationSpec.groups
        #expect(groups.count == 12)
        #expect(groups.filter { $0.name.hasPrefix("stream") }.count == 3)
        #expect(groups.map(\.size) == builtIn.groups.map(\.size))
        #expect(groups.map(\.members.count) == builtIn.groups.map(\.members.count))
    }
}

extension ONNXMalformedTests {
    @Test("an imported model that does not fit its dataset is reported at its onnx: value, not inside the graph")
    func misfitAtTheSpec() throws {
        let text = """
            lmc: 1
            name: misfit
            datasets:
              d: {source: synthetic, features: 16, classes: 5, train: 10, test: 10, seed: 1, shape: [1, 4, 4]}
            models:
              m: {onnx: valid.onnx}
            networks:
              a: {model: m, data: d, load: valid.onnx}
            """
        let spec = try ModelImport.importingModels(try SpecDecoder().decode(text, file: "misfit.yaml", directory: Self.root))
        let diagnostics = ModelCheck.diagnostics(for: spec)
        try #require(diagnostics.count == 1, "\(diagnostics)")
        #expect(diagnostics[0].code == "shape-mismatch" && diagnostics[0].message.contains("5 logits"))
        #expect(diagnostics[0].location.file == "misfit.yaml" && diagnostics[0].location.line == 6)
    }
}
