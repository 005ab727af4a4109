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

    /// Optimality at sizes brute force cannot reach: the dual potentials the solver returns must be feasible
    /// (u_i + v_j ≤ c_ij) and tight on the assignment, which proves no other assignment costs less.
    @Test("returns a dual certificate of optimality", arguments: [(50, false), (300, false), (300, true)])
    func dualCertificate(n: Int, ties: Bool) {
        var stream = RandomStream(seed: 5, purpose: "lap/dual", index: UInt64(n))
        let cost = (0..<n * n).map { _ in ties ? Double(stream.below(5)) : stream.normal() + 3 }
        let solution = LinearAssignment.minimize(cost, n: n)
        #expect(Permutation(solution.columnOfRow) != nil)
        var worstSlack = 0.0, worstTightness = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let slack = cost[i * n + j] - solution.rowPotential[i] - solution.columnPotential[j]
                worstSlack = min(worstSlack, slack)
                if solution.columnOfRow[i] == j { worstTightness = max(worstTightness, abs(slack)) }
            }
        }
        #expect(worstSlack >= -1e-9, "a reduced cost is negative: \(worstSlack)")
        #expect(worstTightness <= 1e-9, "an assigned pair is not tight: \(worstTightness)")
    }

    @Test("rejects NaN gains instead of looping or trapping")
    func rejectsNaN() {
        #expect(throws: LinearAssignment.NonFiniteInput.self) { try LinearAssignment.maximize([1, .nan, 0, 1], n: 2) }
    }
}
