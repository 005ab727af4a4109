import DSL
import Engine
import Foundation
import Interpreter
import Testing

/// `load:` networks: a PyTorch-layout safetensors file written by Python's standard library alone.
@Suite struct LoadTests {
    /// Layer l's weight[i] = ((i + 3l) % 7 − 3) / 10 and bias[j] = ((j + l) % 5 − 2) / 20, row-major `[out, in]`.
    static func value(weight: Bool, layer: Int, index: Int) -> Float {
        weight ? Float((index + 3 * layer) % 7 - 3) / 10 : Float((index + layer) % 5 - 2) / 20
    }

    static let script = """
        import json, struct, sys
        sizes, prefixes = [12, 8, 3], ["body.0", "head"]
        header, data = {}, b""
        for l, (i, o) in enumerate(zip(sizes, sizes[1:])):
            for name, count, f in [("weight", o * i, lambda k: ((k + 3 * l) % 7 - 3) / 10),
                                   ("bias", o, lambda k: ((k + l) % 5 - 2) / 20)]:
                raw = struct.pack("<%df" % count, *[f(k) for k in range(count)])
                shape = [o, i] if name == "weight" else [o]
                header[prefixes[l] + "." + name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
                data += raw
        h = json.dumps(header).encode()
        h += b" " * ((8 - len(h) % 8) % 8)
        open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + data)
        """

    /// Writes `torch.safetensors` (12-8-3, prefixes `body.0`, `head`) into `dir` with Python's standard library.
    static func writeFixture(in dir: String) throws {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, dir + "/torch.safetensors"]
        try python.run()
        python.waitUntilExit()
        try #require(python.terminationStatus == 0)
    }

    /// A spec loading the fixture into a model with one hidden layer of `hidden` units.
    static func spec(hidden: Int) -> String {
        """
        lmc: 1
        name: load
        datasets:
          d: {source: synthetic, features: 12, classes: 3, train: 100, test: 50, seed: 4}
        models:
          m: {kind: mlp, hidden: [\(hidden)]}
        networks:
          t: {model: m, load: torch.safetensors, layers: [body.0, head]}
        evaluation: {alphas: 3}
        """
    }

    @Test("a state dict written by Python loads with the expected values; editing the file changes its key")
    func loadsPyTorchLayout() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeFixture(in: dir)
        let spec = Self.spec(hidden: 8)
        let outcome = try run(spec, in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        // The same network built here from the formula must measure exactly the same.
        let sizes = [12, 8, 3]
        var tensors: [String: Tensor] = [:]
        for l in 0..<2 {
            let (i, o) = (sizes[l], sizes[l + 1])
            tensors["fc\(l + 1).weight"] = Tensor(
                shape: [o, i], scalars: (0..<o * i).map { Self.value(weight: true, layer: l, index: $0) })
            tensors["fc\(l + 1).bias"] = Tensor(
                shape: [o], scalars: (0..<o).map { Self.value(weight: false, layer: l, index: $0) })
        }
        let program = try LayerProgram(.mlp(input: .init(channels: 1, height: 1, width: 12), hidden: [8], classes: 3))
        let expected = Network(program: program, tensors: tensors)
        var data = Dataset.synthetic(features: 12, classes: 3, trainCount: 100, testCount: 50, noise: 1, seed: 4)
        data.standardize()
        let measured = expected.measure(on: data.test, parallelism: .serial)
        #expect(outcome.summary.networks["t"]?["test"]?.error == measured.error)
        #expect(outcome.summary.networks["t"]?["test"]?.loss == measured.loss)
        // Moving the file keeps the key; changing a byte does not.
        let plan = try Planner().plan(try SpecDecoder().decode(spec, file: "s.yaml", directory: dir))
        let before = try Runner.keys(for: plan)
        try FileManager.default.createDirectory(atPath: dir + "/moved", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir + "/torch.safetensors", toPath: dir + "/moved/torch.safetensors")
        let moved = try Planner().plan(
            try SpecDecoder().decode(
                spec.replacingOccurrences(of: "load: torch", with: "load: moved/torch"), file: "s.yaml", directory: dir))
        #expect(try Runner.keys(for: moved) == before)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/torch.safetensors")))
        bytes[bytes.count - 1] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/torch.safetensors"))
        #expect(try Runner.keys(for: plan)[0] != before[0])
    }

    @Test("a network lmc trained, loaded back from its safetensors file, gives identical logits and metrics")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trained = try run(tinySpec, in: dir)
        let objects = dir + "/cache/objects"
        let stored = (FileManager.default.enumerator(atPath: objects)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("network.safetensors") }
        // Each stored network, loaded as `load:`, must measure exactly as the trained one did.
        let wanted = Set([trained.summary.networks["a"]?["test"]?.error, trained.summary.networks["b"]?["test"]?.error])
        var found = Set<Double?>()
        for (i, path) in stored.enumerated() {
            try FileManager.default.copyItem(atPath: objects + "/" + path, toPath: dir + "/n\(i).safetensors")
            let spec = tinySpec.replacingOccurrences(
                of: "  a: {model: m, data: d, recipe: r, seed: 1}", with: "  a: {model: m, data: d, load: n\(i).safetensors}")
            let outcome = try run(spec, in: dir)
            found.insert(outcome.summary.networks["a"]?["test"]?.error)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/n\(i).safetensors"))
            let (tensors, _) = try SafeTensors.decode([UInt8](bytes), file: "n\(i)")
            let program = try LayerProgram(.mlp(input: .init(channels: 1, height: 1, width: 12), hidden: [32, 32], classes: 3))
            let network = try Network(
                program: program, tensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) }), file: "n\(i)")
            var data = Dataset.synthetic(features: 12, classes: 3, trainCount: 300, testCount: 100, noise: 1, seed: 4)
            data.standardize()
            let metrics = network.measure(on: data.test, parallelism: .serial)
            #expect(outcome.summary.networks["a"]?["test"]?.error == metrics.error)
        }
        #expect(stored.count == 2 && found == wanted, "both trained networks come back with their metrics")
    }

    @Test("a file whose shapes do not fit the model fails the load step, naming the file")
    func wrongShape() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeFixture(in: dir)
        let spec = Self.spec(hidden: 9)
        let outcome = try run(spec, in: dir)
        #expect(outcome.summary.failures.contains { $0.node == "load/t" && $0.error.contains("torch.safetensors") })
    }
}
