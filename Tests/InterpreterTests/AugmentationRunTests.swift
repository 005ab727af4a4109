import DSL
import Foundation
import Interpreter
import Testing

/// Augmented training through the whole pipeline: CIFAR-10 files, a residual net declared layer by layer,
/// the scheduler's jobs and the engine's threads.
@Suite struct AugmentationRunTests {
    /// Writes CIFAR-10's binary format: 3 records per training file and 4 in the test file.
    ///
    /// Record r has label r % 10 and, in plane c at row y, column x, the byte (37r + 71c + 5y + 11x) % 256:
    /// every image has structure in both directions, so crops and flips change it.
    static func writeCIFAR10(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func records(_ range: Range<Int>) -> Data {
            var bytes: [UInt8] = []
            for r in range {
                bytes.append(UInt8(r % 10))
                for c in 0..<3 {
                    for y in 0..<32 { for x in 0..<32 { bytes.append(UInt8((37 * r + 71 * c + 5 * y + 11 * x) % 256)) } }
                }
            }
            return Data(bytes)
        }
        for i in 1...5 {
            try records((i - 1) * 3..<i * 3).write(to: URL(fileURLWithPath: directory + "/data_batch_\(i).bin"))
        }
        try records(15..<19).write(to: URL(fileURLWithPath: directory + "/test_batch.bin"))
    }

    /// A stem, one residual block, one stride-2 block with a 1×1 projection shortcut, pooling and `fc`.
    static func spec(augment: String) -> String {
        """
        lmc: 1
        name: augment
        datasets:
          d: {source: cifar10, path: c10, normalize: per-channel}
        models:
          res:
            layers:
              - {conv: 4, name: stem.conv, bias: false}
              - {norm: batch, name: stem.norm}
              - relu
              - block: layer1.1
                layers:
                  - {conv: 4, name: conv1, bias: false}
                  - {norm: batch, name: norm1}
                  - relu
                  - {conv: 4, name: conv2, bias: false}
                  - {norm: batch, name: norm2}
                  - {add: [norm2, input]}
                  - relu
              - block: layer2.1
                layers:
                  - {conv: 8, name: conv1, stride: 2, bias: false}
                  - {norm: batch, name: norm1}
                  - relu
                  - {conv: 8, name: conv2, bias: false}
                  - {norm: batch, name: norm2}
                  - {conv: 8, name: shortcut.conv, kernel: 1, stride: 2, bias: false, from: input}
                  - {norm: batch, name: shortcut.norm}
                  - {add: [norm2, shortcut.norm]}
                  - relu
              - global_avgpool
              - {linear: classes, name: fc}
        recipes:
          r: {optimizer: {sgd: {lr: 0.05}}, batch: 4, epochs: 1\(augment)}
        networks:
          a: {model: res, data: d, recipe: r, seed: 1}
        evaluation: {alphas: 2, splits: {train: all, test: all}}
        """
    }

    /// Runs `text` in a fresh directory holding the CIFAR files and returns network `a`'s stored weights,
    /// exported as safetensors bytes.
    static func trainedWeights(_ text: String, jobs: Int, threads: Int) throws -> Data {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeCIFAR10(to: dir + "/c10")
        let plan = try Planner().plan(try SpecDecoder().decode(text, file: "augment.yaml", directory: dir))
        let options = RunOptions(
            cacheDirectory: dir + "/cache", resultsDirectory: dir + "/results", jobs: jobs, threads: threads)
        let outcome = try Runner.run(plan, options: options, events: { _ in })
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        let file = dir + "/a.safetensors"
        try NetworkExport.write(network: "a", permutedBy: nil, plan: plan, cacheDirectory: dir + "/cache", to: file)
        return try #require(FileManager.default.contents(atPath: file))
    }

    @Test("a declared ResNet trains on CIFAR-10 files with crop 4 and flip: the same bits with 1 job and thread as with 2")
    func augmentedResNetIsReproducible() throws {
        let augmented = Self.spec(augment: ", augment: {crop: 4, flip: true}")
        let serial = try Self.trainedWeights(augmented, jobs: 1, threads: 1)
        let parallel = try Self.trainedWeights(augmented, jobs: 2, threads: 2)
        #expect(serial == parallel)
        let plain = try Self.trainedWeights(Self.spec(augment: ""), jobs: 1, threads: 1)
        #expect(plain != serial, "the augmentation reaches training")
        #expect(serial.count > 1000, "\(serial.count) bytes")
    }
}
