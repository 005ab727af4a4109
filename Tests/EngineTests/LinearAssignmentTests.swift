import Testing
import Engine

@Suite struct LinearAssignmentTests {
    static func allPermutations(_ n: Int) -> [[Int]] {
        if n == 0 { return [[]] }
        return allPermutations(n - 1).flatMap { p in
            (0...p.count).map { i in
                var q = p; q.insert(n - 1, at: i); return q
            }
        }
    }

    @Test("equals brute force over all permutations", arguments: 1...7)
    func matchesBruteForce(n: Int) throws {
        for trial in 0..<20 {
            var stream = RandomStream(seed: UInt64(n), purpose: "lap", index: UInt64(trial))
            // Integer-valued gains make ties likely: the solver must still reach the optimal value.
            let gain = (0..<n * n).map { _ in Double(stream.below(7)) - 3 }
            let solution = try LinearAssignment.maximize(gain, n: n)
            #expect(Permutation(solution) != nil)
            let value = (0..<n).reduce(0.0) { $0 + gain[$1 * n + solution[$1]] }
            let best = Self.allPermutations(n).map { p in (0..<n).reduce(0.0) { $0 + gain[$1 * n + p[$1]] } }.max() ?? 0
            #expect(value == best, "n \(n), trial \(trial)")
        }
    }

    @Test("recovers a planted permutation at n = 512")
    func recoversPlanted() throws {
        let n = 512
        var stream = RandomStream(seed: 11, purpose: "planted")
        let planted = stream.permutation(n)
        // Noise in [0, 1) everywhere, and a gain of 2 on the planted cells: the planted matching is the unique optimum.
        var gain = (0..<n * n).map { _ in stream.unitDouble() }
        for i in 0..<n { gain[i * n + planted[i]] += 2 }
        #expect(try LinearAssignment.maximize(gain, n: n) == planted)
    }

    @Test("rejects NaN gains instead of looping or trapping")
    func rejectsNaN() {
        #expect(throws: LinearAssignment.NonFiniteInput.self) { try LinearAssignment.maximize([1, .nan, 0, 1], n: 2) }
    }
}
