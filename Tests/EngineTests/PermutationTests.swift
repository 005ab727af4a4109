import Testing
import Engine

@Suite struct PermutationTests {
    @Test("a randomly permuted network computes the same logits", arguments: [UInt64(1), 2, 3])
    func permutedNetworkIsEquivalent(seed: UInt64) throws {
        let network = Network(program: try Fixtures.mlp([20, 33, 17, 9, 4]), seed: seed)
        var stream = RandomStream(seed: seed, purpose: "test/perm")
        let perms = network.permutationSpec.groups.map { Permutation.random($0.size, using: &stream) }
        let permuted = network.permuted(by: perms)
        #expect(!permuted.isBitwiseEqual(network))
        let data = Fixtures.dataset(features: 20)
        let x = network.logits(data.test, parallelism: .serial), y = permuted.logits(data.test, parallelism: .serial)
        // Sums over a permuted axis are reordered, so equality holds up to rounding; logits here are O(1).
        let difference = zip(x, y).map { abs($0 - $1) }.max() ?? .nan
        #expect(difference <= 1e-5, "seed \(seed): \(difference)")
    }

    @Test("inverse undoes, and composition equals applying twice")
    func algebra() throws {
        var stream = RandomStream(seed: 4, purpose: "test/algebra")
        let p = Permutation.random(10, using: &stream), q = Permutation.random(10, using: &stream)
        #expect(p.then(p.inverse).isIdentity && p.inverse.then(p).isIdentity)
        let t = Tensor(shape: [10, 3], scalars: (0..<30).map(Float.init))
        #expect(t.permuted(axis: 0, by: p).permuted(axis: 0, by: q) == t.permuted(axis: 0, by: p.then(q)))
        #expect(Permutation([0, 0, 1]) == nil && Permutation([2, 0, 1]) != nil)
    }

    @Test("the MLP spec has one group per hidden layer and never touches inputs or logits")
    func mlpSpec() throws {
        let spec = try Fixtures.mlp([784, 512, 256, 10]).permutationSpec
        #expect(spec.groups.map(\.name) == ["fc1", "fc2"])
        #expect(spec.groups.map(\.size) == [512, 256])
        #expect(spec.groups[1].members.contains { $0.tensor == "fc3.weight" && $0.axis == 1 })
        #expect(!spec.groups.flatMap(\.members).contains { $0.tensor == "fc1.weight" && $0.axis == 1 })
    }
}
