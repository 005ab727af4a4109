import DSL
import Foundation
import Interpreter
import Testing

/// Dataset digests through the cache keys they enter, and a run on CIFAR files.
@Suite struct DatasetProviderTests {
    /// The key of `train/a` (a step with no inputs) when its dataset digest is SHA-256 of `digestText`.
    static func trainKey(_ plan: Plan, digestText: String) throws -> String {
        let step = try #require(plan.steps.first { $0.name == "train/a" })
        #expect(step.inputs.isEmpty)
        var hasher = SHA256()
        hasher.update(digestText)
        return try StepKey.key(for: step, inputKeys: [], datasetDigest: hasher.finalize())
    }

    static func plan(_ text: String, in dir: String) throws -> Plan {
        try Planner().plan(try SpecDecoder().decode(text, file: "s.yaml", directory: dir))
    }

    static let synthetic = "d: {source: synthetic, features: 12, classes: 3, train: 300, test: 100, seed: 4}"

    @Test("default synthetic and IDX datasets keep the digests of before image shapes: existing cache keys stay")
    func defaultDigestsUnchanged() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = try Self.plan(tinySpec, in: dir)
        let keys = try Runner.keys(for: plan)
        let index = try #require(plan.steps.firstIndex { $0.name == "train/a" })
        let old = "normalize=standard\nsynthetic features=12 classes=3 train=300 test=100 noise=1.0 seed=4\n"
        #expect(keys[index] == (try Self.trainKey(plan, digestText: old)))
        // 12 values are one row of 12 pixels, whether or not the spec says so; three 2×2 planes are another dataset.
        let stated = tinySpec.replacingOccurrences(of: "seed: 4}", with: "seed: 4, shape: [1, 1, 12]}")
        #expect(try Runner.keys(for: try Self.plan(stated, in: dir)) == keys)
        let rgb = tinySpec.replacingOccurrences(of: "seed: 4}", with: "seed: 4, shape: [3, 2, 2]}")
        #expect(try Runner.keys(for: try Self.plan(rgb, in: dir))[index] != keys[index])

        try DatasetDigestTests.writeIDX(to: dir + "/data")
        let idx = try DatasetDigestTests.plan(path: "data", in: dir)
        var files = ""
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/data/" + name)))
            files += "file=\(name) sha256=\(SHA256.hex(bytes))\n"
        }
        #expect(try Runner.keys(for: idx)[index] == (try Self.trainKey(idx, digestText: "normalize=standard\n" + files)))
    }

    /// CIFAR-100's binary format: record r of `count` has coarse label r % 20, fine label r, and pixel bytes
    /// (r + i) % 256.
    static func writeCIFAR100(_ directory: String, train: Int = 6, test: Int = 2) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func records(_ count: Int) -> Data {
            var bytes: [UInt8] = []
            for r in 0..<count {
                bytes += [UInt8(r % 20), UInt8(r)]
                bytes += (0..<3072).map { i in UInt8((r + i) % 256) }
            }
            return Data(bytes)
        }
        try records(train).write(to: URL(fileURLWithPath: directory + "/train.bin"))
        try records(test).write(to: URL(fileURLWithPath: directory + "/test.bin"))
    }

    @Test("a CIFAR digest covers the files' bytes, the labels and the normalisation, not the path; a missing file is named")
    func cifarDigest() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeCIFAR100(dir + "/c100")
        func keys(_ entry: String) throws -> [String] {
            try Runner.keys(for: try Self.plan(tinySpec.replacingOccurrences(of: Self.synthetic, with: entry), in: dir))
        }
        let fine = try keys("d: {source: cifar100, path: c100}")
        #expect(try keys("d: {source: cifar100, path: c100, labels: fine}") == fine)
        #expect(try keys("d: {source: cifar100, path: \(dir)/c100}") == fine, "an absolute path to the same files")
        let coarse = try keys("d: {source: cifar100, path: c100, labels: coarse}")
        let perChannel = try keys("d: {source: cifar100, path: c100, normalize: per-channel}")
        #expect(coarse[0] != fine[0] && perChannel[0] != fine[0] && perChannel[0] != coarse[0])

        let test = dir + "/c100/test.bin"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: test)))
        bytes[100] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: test))
        #expect(try keys("d: {source: cifar100, path: c100}")[0] != fine[0], "one pixel of the test file changed")

        try FileManager.default.removeItem(atPath: dir + "/c100/train.bin")
        let error = #expect(throws: RunError.self) { try keys("d: {source: cifar100, path: c100}") }
        #expect(error?.description.contains("train.bin") == true, "\(error?.description ?? "")")
    }

    @Test("an MLP trains and is evaluated on CIFAR-10 files, normalised per channel")
    func runsOnCIFAR10() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/c10", withIntermediateDirectories: true)
        func records(_ range: Range<Int>) -> Data {
            var bytes: [UInt8] = []
            for r in range {
                bytes.append(UInt8(r % 10))
                bytes += (0..<3072).map { i in UInt8((r * 13 + i) % 256) }
            }
            return Data(bytes)
        }
        for i in 1...5 { try records((i - 1) * 4..<i * 4).write(to: URL(fileURLWithPath: dir + "/c10/data_batch_\(i).bin")) }
        try records(20..<26).write(to: URL(fileURLWithPath: dir + "/c10/test_batch.bin"))
        let spec = """
            lmc: 1
            name: c10
            datasets:
              d: {source: cifar10, path: c10, normalize: per-channel}
            models:
              m: {kind: mlp, hidden: [8]}
            recipes:
              r: {optimizer: {sgd: {lr: 0.01}}, batch: 4, epochs: 1}
            networks:
              a: {model: m, data: d, recipe: r, seed: 1}
            evaluation: {alphas: 2, splits: {train: all, test: all}}
            """
        let outcome = try run(spec, in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        #expect(outcome.summary.nodes.computed == 2)
        let test = try #require(outcome.summary.networks["a"]?["test"])
        let loss = try #require(test.loss), error = try #require(test.error)
        #expect(loss.isFinite && error >= 0 && error <= 1)
    }
}
