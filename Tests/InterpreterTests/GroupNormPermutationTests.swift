import Engine
import Testing

/// Declared models whose GroupNorms have 2 to C − 1 groups: the units they read are permuted only within
/// the parts those groups make, or by exchanging whole parts when one norm's groups make them, which keeps
/// the function; a permutation across a part's edge does not; weight and activation matching find
/// permutations that keep the parts and recover planted ones.
@Suite struct GroupNormPermutationTests {
    /// A declared graph, its input and the groups derived from it.
    struct Graph: Sendable, CustomTestStringConvertible {
        var name: String
        var input: ImageShape
        var layers: String
        /// The derived groups as name, size/parts and whether the parts are exchangeable.
        var groups: [String]
        var testDescription: String { name }
    }

    static let graphs = [
        Graph(
            name: "a residual stream read by GroupNorms of 2 and 4 groups, an inner GroupNorm of 3",
            input: ImageShape(channels: 2, height: 4, width: 4),
            layers: """
                [{conv: 8, name: stem}, {norm: group, groups: 2, name: gn}, relu,
                 {block: b1, layers: [{conv: 6, name: c1}, {norm: group, groups: 3, name: n1}, relu, {conv: 8, name: c2},
                                      {norm: group, groups: 4, name: n2}, {add: [n2, input]}, relu]},
                 global_avgpool, {linear: 6, name: fc1}, relu, {linear: classes, name: fc2}]
                """,
            groups: ["stream1 8/4", "b1.c1 6/3 exchangeable", "fc1 6/1"]),
        Graph(
            name: "GroupNorms after a flatten (2 groups of two channels' blocks, 8 groups inside them) and a linear layer",
            input: ImageShape(channels: 1, height: 4, width: 4),
            layers: """
                [{conv: 4, name: c1}, relu, {maxpool: 2}, flatten, {norm: group, groups: 2, name: g1},
                 {norm: group, groups: 8, name: g8}, {linear: 6, name: fc1}, {norm: group, groups: 3, name: g3}, relu,
                 {linear: classes, name: fc2}]
                """,
            groups: ["c1 4/2 exchangeable", "fc1 6/3 exchangeable"]),
        Graph(
            name: "frozen: GroupNorms of 2 and 3 groups on 6 channels, and groups that cut a flattened channel's block",
            input: ImageShape(channels: 1, height: 4, width: 4),
            layers: """
                [{conv: 6, name: c1}, {norm: group, groups: 2, name: a}, {norm: group, groups: 3, name: b}, relu,
                 {conv: 6, name: c2}, relu, {maxpool: 2}, flatten, {norm: group, groups: 4, name: g},
                 {linear: 5, name: fc1}, relu, {linear: classes, name: fc2}]
                """,
            groups: ["fc1 5/1"]),
    ]

    static func network(_ graph: Graph, seed: UInt64 = 3) throws -> Network {
        try DeclaredModelTests.randomNetwork(input: graph.input, layers: graph.layers, seed: seed)
    }

    static func images(_ graph: Graph, count: Int, seed: UInt64) -> Dataset.Split {
        var stream = RandomStream(seed: seed, purpose: "images")
        let features = graph.input.features
        return Dataset.Split(
            inputs: (0..<count * features).map { _ in stream.uniform(-2, 2) },
            labels: [Int32](repeating: 0, count: count))
    }

    /// The largest logit difference between two networks, and the largest logit of the first, for scale.
    static func difference(_ a: Network, _ b: Network, on images: Dataset.Split) -> (Double, Double) {
        let x = a.logits(images, parallelism: .serial), y = b.logits(images, parallelism: .serial)
        let scale = x.map { Double(abs($0)) }.max() ?? 1
        return (zip(x, y).map { Double(abs($0 - $1)) }.max() ?? .infinity, max(1, scale))
    }

    @Test("GroupNorm groups split the units they read into parts: the lcm of their group counts, or frozen", arguments: graphs)
    func derivedParts(_ graph: Graph) throws {
        let spec = try Self.network(graph).permutationSpec
        #expect(
            spec.groups.map { "\($0.name) \($0.size)/\($0.parts)\($0.exchangeableParts ? " exchangeable" : "")" } == graph.groups)
    }

    @Test("permutations keeping the parts leave the logits unchanged; one across a part's edge changes them", arguments: graphs)
    func partsPreserveFunction(_ graph: Graph) throws {
        let network = try Self.network(graph)
        let images = Self.images(graph, count: 6, seed: 5)
        let spec = network.permutationSpec
        var stream = RandomStream(seed: 9, purpose: "parts")
        let permutations = spec.randomPermutations(using: &stream)
        #expect(spec.admits(permutations) && permutations.contains { !$0.isIdentity })
        let (difference, scale) = Self.difference(network, network.permuted(by: permutations), on: images)
        #expect(difference <= 1e-5 * scale, "\(difference) against logits of \(scale)")
        for (g, group) in spec.groups.enumerated() where group.parts > 1 {
            // Swap the last unit of the first part with the first of the second, every other group unmoved.
            var indices = Array(0..<group.size)
            indices.swapAt(group.partSize - 1, group.partSize)
            let crossing = try #require(Permutation(indices))
            #expect(!group.admits(crossing))
            var only = spec.groups.map { Permutation(identity: $0.size) }
            only[g] = crossing
            let (changed, _) = Self.difference(network, network.permuted(by: only), on: images)
            #expect(changed > 1e-3 * scale, "\(group.name): a permutation across parts moved the logits by only \(changed)")
            guard group.exchangeableParts else { continue }
            // The first two parts exchanged whole: the norm's groups trade places, the function stays.
            let k = group.partSize
            only[g] = try #require(Permutation(Array(k..<2 * k) + Array(0..<k) + Array(2 * k..<group.size)))
            #expect(group.admits(only[g]))
            let (exchanged, _) = Self.difference(network, network.permuted(by: only), on: images)
            #expect(exchanged <= 1e-5 * scale, "\(group.name): exchanging parts moved the logits by \(exchanged)")
        }
    }

    @Test("weight matching recovers a planted permutation that keeps the parts, exactly", arguments: graphs)
    func weightMatchingRecovers(_ graph: Graph) throws {
        let a = try Self.network(graph)
        var stream = RandomStream(seed: 6, purpose: "plant")
        let planted = a.permutationSpec.randomPermutations(using: &stream)
        let b = a.permuted(by: planted)
        let result = try WeightMatching.align(b, to: a, maxSweeps: 100, seed: 1, parallelism: .serial)
        #expect(a.permutationSpec.admits(result.permutations))
        let back = b.permuted(by: result.permutations)
        #expect(a.tensors.allSatisfy { name, tensor in back.tensors[name]?.isBitwiseEqual(to: tensor) == true })
    }

    @Test("activation matching finds permutations that keep the parts and give back the logits", arguments: graphs)
    func activationMatchingRecovers(_ graph: Graph) throws {
        let a = try Self.network(graph)
        var stream = RandomStream(seed: 8, purpose: "plant")
        let planted = a.permutationSpec.randomPermutations(using: &stream)
        let b = a.permuted(by: planted)
        let images = Self.images(graph, count: 64, seed: 10)
        for similarity in [ActivationMatching.Similarity.correlation, .crossMoment] {
            let found = try ActivationMatching.align(
                b, to: a, inputs: images, similarity: similarity, batchSize: 16, parallelism: .serial)
            #expect(a.permutationSpec.admits(found), "\(similarity)")
            // A unit silent on every input cannot be placed by its activations; the logits can still be checked.
            let (difference, scale) = Self.difference(a, b.permuted(by: found), on: images)
            #expect(difference <= 1e-5 * scale, "\(similarity): \(difference) against logits of \(scale)")
        }
    }
}
