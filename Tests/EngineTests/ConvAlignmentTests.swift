import Engine
import Testing

/// Alignment and evaluation of conv nets: planted permutations recovered by weight and activation
/// matching, BatchNorm statistics reset exactly, metrics independent of the batch size.
@Suite struct ConvAlignmentTests {
    static let data = Fixtures.dataset(features: 64, classes: 4, train: 256, test: 64)

    static func trained(_ architecture: Architecture, seed: UInt64) throws -> Network {
        try Trainer.train(
            try LayerProgram(architecture), seed: seed, recipe: Fixtures.recipe(epochs: 2, batch: 32), data: data.train,
            parallelism: .serial
        ).final
    }

    static let architectures = [
        ConvNetTests.vgg(.group(1), classes: 4), ConvNetTests.resnet(.batch, stages: 2, blocks: 2, classes: 4),
        ConvNetTests.resnet(.layer, classes: 4), ConvNetTests.vgg(.group(2), classes: 4),
        ConvNetTests.resnet(.group(3), stages: 2, blocks: 2, classes: 4),
        .vit(input: ConvNetTests.image, patch: 4, width: 8, depth: 2, heads: 2, hidden: 12, classes: 4),
    ]

    /// Whether `found`, applied to b = π(a), gives back a's tensors exactly.
    static func recovers(_ found: [Permutation], _ b: Network, _ a: Network) -> Bool {
        let back = b.permuted(by: found)
        return a.tensors.allSatisfy { name, tensor in back.tensors[name]?.isBitwiseEqual(to: tensor) == true }
    }

    @Test("weight matching recovers a planted permutation of a trained conv net", arguments: architectures.indices)
    func weightMatchingRecovers(_ index: Int) throws {
        let a = try Self.trained(Self.architectures[index], seed: 5)
        var stream = RandomStream(seed: 6, purpose: "plant")
        let planted = a.permutationSpec.randomPermutations(using: &stream)
        let b = a.permuted(by: planted)
        let result = try WeightMatching.align(b, to: a, maxSweeps: 100, seed: 1, parallelism: .serial)
        #expect(Self.recovers(result.permutations, b, a))
        #expect(a.permutationSpec.admits(result.permutations))
    }

    @Test(
        "activation matching recovers a planted permutation of a trained conv net (up to silent units)",
        arguments: architectures.indices)
    func activationMatchingRecovers(_ index: Int) throws {
        let a = try Self.trained(Self.architectures[index], seed: 7)
        var stream = RandomStream(seed: 8, purpose: "plant")
        let planted = a.permutationSpec.randomPermutations(using: &stream)
        let b = a.permuted(by: planted)
        for similarity in [ActivationMatching.Similarity.correlation, .crossMoment] {
            let found = try ActivationMatching.align(
                b, to: a, inputs: Self.data.test, similarity: similarity, batchSize: 24, parallelism: Parallelism(threads: 2))
            // Units silent on every input (dead ReLUs) cannot be told apart by their activations, so the
            // check is that π(b) computes a's logits on these inputs, and that most groups come back exactly.
            let images = Self.data.test.inputs
            let difference =
                zip(
                    ConvNetTests.logits(a, images, batch: Self.data.test.count),
                    ConvNetTests.logits(b.permuted(by: found), images, batch: Self.data.test.count)
                ).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference < 1e-4, "\(similarity): logits differ by \(difference)")
            #expect(a.permutationSpec.admits(found), "\(similarity)")
            let exact = zip(found, planted).filter { f, p in (0..<p.count).allSatisfy { f.indices[p.indices[$0]] == $0 } }
            #expect(exact.count >= planted.count - 1, "\(similarity): \(exact.count) of \(planted.count) groups exact")
        }
    }

    @Test("a BatchNorm reset makes the running mean the exact mean of the data, not a moving average")
    func batchNormReset() throws {
        let network = Network(program: try LayerProgram(ConvNetTests.vgg(.batch, classes: 4)), seed: 9)
        let split = Self.data.train.prefix(64, features: 64)
        let reset = network.resettingBatchStatistics(on: split, examples: 64, batchSize: 16, parallelism: .serial)
        // The first convolution's outputs over all 64 images, averaged per channel, independently.
        let g = Convolution.Geometry(batch: 64, height: 8, width: 8, inChannels: 1, outChannels: 4, kernel: 3, padding: 1)
        var y = [Float](repeating: 0, count: g.positions * 4)
        let weight = try #require(network.tensors["conv1.weight"]).scalars
        Convolution.forward(
            x: split.inputs, weight: weight, bias: nil, geometry: g, y: &y, workspace: .init(), parallelism: .serial)
        let expected = (0..<4).map { c in
            stride(from: c, to: y.count, by: 4).reduce(0.0) { $0 + Double(y[$1]) } / Double(g.positions)
        }
        let runningMean = try #require(reset.tensors["norm1.running_mean"]).scalars
        for c in 0..<4 { #expect(abs(Double(runningMean[c]) - expected[c]) < 1e-5, "channel \(c)") }
        #expect(reset.measure(on: split, parallelism: .serial).loss.isFinite)
    }

    @Test("metrics do not depend on the batch size or the thread count")
    func metricsIndependentOfBatching() throws {
        let network = try Self.trained(Self.architectures[1], seed: 10)
        let reference = network.measure(on: Self.data.test, batchSize: 64, parallelism: .serial)
        #expect(network.measure(on: Self.data.test, batchSize: 7, parallelism: Parallelism(threads: 2)) == reference)
        #expect(reference.error < 0.75, "the trained net should beat chance on 4 classes: \(reference)")
    }
}
