import Engine
import Testing

/// Groups split into parts by GroupNorms: which permutations they admit, drawn at random and found by
/// assignment, and how many parts the built-in conv nets get.
@Suite struct PermutationPartsTests {
    static func group(size: Int, parts: Int, exchangeable: Bool = false) -> PermutationSpec.Group {
        PermutationSpec.Group("g", size: size, parts: parts, exchangeable: exchangeable)
    }

    @Test(
        "the assignment keeping parts equals brute force over every permutation the group admits",
        arguments: [
            (4, 2, false), (6, 2, false), (6, 3, false), (6, 6, false), (5, 1, false), (4, 2, true), (6, 2, true),
            (6, 3, true), (8, 4, true),
        ])
    func assignmentMatchesBruteForce(size: Int, parts: Int, exchangeable: Bool) throws {
        let group = Self.group(size: size, parts: parts, exchangeable: exchangeable)
        let admitted = LinearAssignmentTests.allPermutations(size).filter { group.admits(Permutation($0) ?? .init(identity: 0)) }
        for trial in 0..<20 {
            var stream = RandomStream(
                seed: UInt64(size * 10 + parts), purpose: exchangeable ? "parts/lap/exchange" : "parts/lap", index: UInt64(trial))
            // Integer gains make ties likely; the value must still be the best over admitted permutations.
            let gain = (0..<size * size).map { _ in Double(stream.below(7)) - 3 }
            let solution = try group.assignment(maximizing: gain)
            #expect(group.admits(try #require(Permutation(solution))), "trial \(trial): \(solution)")
            let value = (0..<size).reduce(0.0) { $0 + gain[$1 * size + solution[$1]] }
            let best = admitted.map { p in (0..<size).reduce(0.0) { $0 + gain[$1 * size + p[$1]] } }.max() ?? .nan
            #expect(value == best, "size \(size), parts \(parts), exchangeable \(exchangeable), trial \(trial)")
        }
    }

    @Test("one part draws exactly what Permutation.random draws; more draw admitted permutations that move units")
    func randomPermutations() throws {
        var a = RandomStream(seed: 3, purpose: "parts/random"), b = a
        #expect(Self.group(size: 17, parts: 1).randomPermutation(using: &a) == Permutation.random(17, using: &b))
        #expect(a.permutation(5) == b.permutation(5))
        let group = Self.group(size: 12, parts: 3)
        let drawn = (0..<20).map { _ in group.randomPermutation(using: &a) }
        #expect(drawn.allSatisfy(group.admits) && drawn.contains { !$0.isIdentity })
        #expect(!group.admits(Permutation.random(11, using: &a)))
        // Exchangeable parts: some draws move a whole part elsewhere, which parts kept in place refuse.
        let exchangeable = Self.group(size: 12, parts: 3, exchangeable: true)
        let exchanged = (0..<20).map { _ in exchangeable.randomPermutation(using: &a) }
        #expect(exchanged.allSatisfy(exchangeable.admits) && exchanged.contains { !group.admits($0) })
        let swapped = try #require(Permutation(Array(4..<8) + Array(0..<4) + Array(8..<12)))
        #expect(exchangeable.admits(swapped) && !group.admits(swapped))
        #expect(!exchangeable.admits(try #require(Permutation([4] + Array(1..<4) + [0] + Array(5..<12)))))
    }

    @Test("a GroupNorm's groups in units: whole units per group make parts; groups inside a unit's block do not")
    func partsOfOneNorm() {
        // groups, features, block → parts.
        let cases: [(Int, Int, Int, Int?)] = [
            (1, 8, 1, 1), (2, 8, 1, 2), (4, 8, 1, 4), (8, 8, 1, 1),  // channels: one group, 2 and 4 parts, one per channel
            (2, 16, 4, 2), (4, 16, 4, 1), (8, 16, 4, 1),  // a flatten of 4 channels × 4 positions
            (3, 12, 2, 3), (4, 24, 4, nil), (4, 12, 2, nil),  // 2 units a group; 6 features over 4 a unit; 3 over 2
        ]
        for (groups, features, block, parts) in cases {
            #expect(
                PermutationSpec.parts(groups: groups, features: features, block: block) == parts,
                "\(groups) groups of \(features) features in blocks of \(block)")
        }
    }

    @Test("built-in conv nets: GroupNorm of 2 or 3 groups gives exchangeable parts; other norms none")
    func builtInParts() throws {
        for (index, architecture) in ConvNetTests.architectures.enumerated() {
            let groups = try LayerProgram(architecture).permutationSpec.groups
            #expect(!groups.isEmpty)
            let norm = architecture.layers.lazy.compactMap { layer -> Normalization.Kind? in
                if case .norm(let kind) = layer.operation { kind } else { nil }
            }.first
            switch norm {
            case .group(2): #expect(groups.allSatisfy { $0.parts == 2 && $0.exchangeableParts }, "architecture \(index)")
            // 3 groups on 3 channels are one per channel: no constraint.
            case .group(3):
                #expect(groups.allSatisfy { $0.parts == ($0.size == 3 ? 1 : 3) }, "architecture \(index)")
                #expect(groups.allSatisfy { $0.exchangeableParts == ($0.size != 3) }, "architecture \(index)")
            default: #expect(groups.allSatisfy { $0.parts == 1 && !$0.exchangeableParts }, "architecture \(index)")
            }
        }
    }
}
