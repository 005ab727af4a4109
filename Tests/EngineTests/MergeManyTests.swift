import Engine
import Testing

/// Joint alignment of N networks (MergeMany) and the cycle consistency of pairwise alignments.
@Suite struct MergeManyTests {
    /// Networks of one architecture with a few hundred hidden units, each from its own initialisation.
    static func independent(_ count: Int, seed: UInt64, sizes: [Int] = [20, 128, 128, 4]) throws -> [Network] {
        let program = try Fixtures.mlp(sizes)
        return (0..<UInt64(count)).map { Network(program: program, seed: seed &* 100 &+ $0) }
    }

    static let plantedArchitectures = [
        try? Fixtures.mlp([20, 33, 17, 4]).architecture,
        ConvNetTests.resnet(.batch, stages: 2, blocks: 2, classes: 4), ConvNetTests.vgg(.group(2), classes: 4),
    ]

    @Test("N permuted copies of one network are aligned into one order exactly", arguments: plantedArchitectures.indices)
    func recoversPlanted(_ index: Int) throws {
        let architecture = try #require(Self.plantedArchitectures[index])
        let base = try ConvNetTests.randomNetwork(architecture, seed: 11)
        var stream = RandomStream(seed: 12, purpose: "plant")
        let copies = (0..<4).map { _ in
            base.permuted(by: base.permutationSpec.randomPermutations(using: &stream))
        }
        #expect(!copies[0].isBitwiseEqual(copies[1]))
        let result = try MergeMany.align(copies, maxSweeps: 50, seed: 3, parallelism: .serial)
        #expect(result.permutations.allSatisfy { base.permutationSpec.admits($0) })
        let aligned = zip(copies, result.permutations).map { $0.permuted(by: $1) }
        for i in 1..<aligned.count { #expect(aligned[i].isBitwiseEqual(aligned[0]), "architecture \(index), copy \(i)") }
        let pairwise = CycleConsistency.pairwise(fromJoint: result.permutations)
        #expect(CycleConsistency.cycle(pairwise, 0, 1, 2).allSatisfy { $0.isIdentity })
        // Each implied pairwise alignment takes copy j exactly onto copy i.
        #expect(copies[3].permuted(by: pairwise[1][3]).isBitwiseEqual(copies[1]))
        #expect(copies[0].permuted(by: pairwise[2][0]).isBitwiseEqual(copies[2]))
    }

    /// Σ_{i<j} ⟨π_i θ_i, π_j θ_j⟩ over the trained tensors, in Double, by plain loops.
    static func pairwiseObjective(_ networks: [Network], _ permutations: [[Permutation]]) -> Double {
        let aligned = zip(networks, permutations).map { $0.permuted(by: $1).trainedTensors }
        var total = 0.0
        for i in aligned.indices {
            for j in aligned.indices where j > i {
                for (name, x) in aligned[i] {
                    total += zip(x.scalars, aligned[j][name]?.scalars ?? []).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                }
            }
        }
        return total
    }

    @Test(
        "the pairwise objective is at least that of aligning every network to the first",
        arguments: [(UInt64(1), 3), (2, 4), (3, 3), (4, 4)])
    func beatsStarAlignment(seed: UInt64, count: Int) throws {
        let networks = try Self.independent(count, seed: seed)
        let result = try MergeMany.align(networks, maxSweeps: 100, seed: seed, parallelism: .serial)
        let oracle = Self.pairwiseObjective(networks, result.permutations)
        // Same products summed in another order: agreement to a relative 1e-9 is far above Double rounding.
        #expect(abs(result.objective - oracle) <= 1e-9 * abs(oracle), "seed \(seed)")
        let identities = networks[0].permutationSpec.groups.map { Permutation(identity: $0.size) }
        var star = [identities]
        for other in networks.dropFirst() {
            star.append(
                try WeightMatching.align(other, to: networks[0], maxSweeps: 100, seed: seed, parallelism: .serial).permutations)
        }
        let reference = Self.pairwiseObjective(networks, star)
        let unaligned = Self.pairwiseObjective(networks, Array(repeating: identities, count: count))
        #expect(result.objective >= reference, "seed \(seed): MergeMany \(result.objective), star \(reference)")
        #expect(reference > unaligned, "seed \(seed): the matching is trivial")
        #expect(result.sweeps >= 2 && result.sweeps < 100, "seed \(seed): \(result.sweeps) sweeps")
    }

    @Test("restarts keep the highest objective among seeds seed, seed + 1, …")
    func restartsKeepBest() throws {
        let networks = try Self.independent(3, seed: 7, sizes: [20, 48, 48, 4])
        let runs = try (0..<4).map { try MergeMany.align(networks, maxSweeps: 100, seed: 20 + UInt64($0), parallelism: .serial) }
        // The orders must reach different optima, or choosing among them is not tested.
        #expect(Set(runs.map(\.objective)).count > 1)
        let best = try MergeMany.align(networks, maxSweeps: 100, seed: 20, restarts: 4, parallelism: .serial)
        let winner = try #require(
            runs.indices.max { runs[$0].objective < runs[$1].objective || (runs[$0].objective == runs[$1].objective && $0 > $1) })
        #expect(best.seed == 20 + UInt64(winner) && best.permutations == runs[winner].permutations)
        #expect(best.objective == runs[winner].objective)
    }

    @Test("pairwise weight matching is not cycle-consistent; pairwise alignments from a joint one are exactly")
    func cycleConsistencyOfAlignments() throws {
        let networks = try Self.independent(3, seed: 5)
        func align(_ b: Network, to a: Network) throws -> [Permutation] {
            try WeightMatching.align(b, to: a, maxSweeps: 100, seed: 1, parallelism: .serial).permutations
        }
        let pairwise = try networks.map { a in try networks.map { b in try align(b, to: a) } }
        let separate = CycleConsistency.fractions(pairwise)
        #expect(separate.cycles == 1 && separate.overall < 1, "\(separate)")
        let joint = try MergeMany.align(networks, maxSweeps: 100, seed: 1, parallelism: .serial)
        let implied = CycleConsistency.fractions(CycleConsistency.pairwise(fromJoint: joint.permutations))
        #expect(implied.overall == 1 && implied.perGroup.allSatisfy { $0 == 1 })
    }

    @Test("a hand-built cycle: P_ca[P_bc[P_ab[u]]] fixes units 1 and 3 of 4; the other orientation would fix none")
    func handBuiltCycle() throws {
        func p(_ indices: [Int]) throws -> Permutation { try #require(Permutation(indices)) }
        let identity4 = Permutation(identity: 4), identity2 = Permutation(identity: 2)
        // Group 0 (4 units): u = 1 → 2 → 3 → 1 and u = 3 → 3 → 2 → 3 come back; 0 → 1 → 1 → 2 and 2 → 0 → 0 → 0
        // do not. Read as P_ab[P_bc[P_ca[u]]] it would fix nothing. Group 1 (2 units): all identities.
        let ab = try p([1, 2, 0, 3]), bc = try p([0, 1, 3, 2]), ca = try p([0, 2, 3, 1])
        var pairwise = Array(repeating: Array(repeating: [identity4, identity2], count: 3), count: 3)
        pairwise[0][1][0] = ab
        pairwise[1][2][0] = bc
        pairwise[2][0][0] = ca
        // The reverse alignments are the inverses; a cycle reads only i < j < k's P_ij, P_jk, P_ki.
        (pairwise[1][0][0], pairwise[2][1][0], pairwise[0][2][0]) = (ab.inverse, bc.inverse, ca.inverse)
        let result = CycleConsistency.fractions(pairwise)
        #expect(CycleConsistency.cycle(pairwise, 0, 1, 2)[0].indices == [2, 1, 0, 3])
        #expect(result.perGroup == [0.5, 1] && result.overall == 4.0 / 6 && result.cycles == 1)
        // A fourth network that is a copy of network 0 (P_3j = P_0j, P_j3 = P_j0): the cycles (0, 1, 3) and
        // (0, 2, 3) compose an alignment with its inverse, (1, 2, 3) repeats (0, 1, 2); 12 of 16 units come back.
        var four = pairwise.map { $0 + [$0[0]] }
        four.append(four[0])
        let result4 = CycleConsistency.fractions(four)
        #expect(result4.cycles == 4 && result4.perGroup == [0.75, 1] && result4.overall == 10.0 / 12, "\(result4)")
    }

    @Test("MergeMany is bitwise identical for 1 and 2 threads")
    func threadCountDeterminism() throws {
        let networks = try Self.independent(3, seed: 9, sizes: [20, 160, 160, 4])
        let serial = try MergeMany.align(networks, maxSweeps: 100, seed: 4, restarts: 2, parallelism: .serial)
        let parallel = try MergeMany.align(networks, maxSweeps: 100, seed: 4, restarts: 2, parallelism: Parallelism(threads: 2))
        #expect(serial.permutations == parallel.permutations)
        #expect(serial.objective.bitPattern == parallel.objective.bitPattern)
        #expect(serial.sweeps == parallel.sweeps && serial.seed == parallel.seed)
    }
}
