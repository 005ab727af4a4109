/// An exact solver of the linear assignment problem in Float64.
///
/// Shortest augmenting paths with dual potentials (the Hungarian method in the Jonker–Volgenant form;
/// Jonker & Volgenant 1987, Crouse 2016): rows are added one at a time, each by a Dijkstra-like search
/// over reduced costs, so the assignment stays optimal for the rows added so far. O(n³) worst case.
public enum LinearAssignment {
    /// A gain matrix with a non-finite entry has no meaningful assignment.
    public struct NonFiniteInput: Error, Sendable, CustomStringConvertible {
        public var description: String { "the assignment gain matrix holds NaN or infinite values" }
    }

    /// The permutation s maximising Σ_i gain[i][s(i)] for an n×n gain matrix stored row-major.
    ///
    /// - Returns: `s` as indices: row i is assigned column `s[i]`.
    /// - Throws: `NonFiniteInput` if any entry is NaN or infinite.
    public static func maximize(_ gain: [Double], n: Int) throws(NonFiniteInput) -> [Int] {
        precondition(gain.count == n * n)
        guard gain.allSatisfy(\.isFinite) else { throw NonFiniteInput() }
        if n == 0 { return [] }
        // Minimise cost = max − gain, which is ≥ 0; the optimum is unchanged.
        let top = gain.max() ?? 0
        let cost = gain.map { top - $0 }
        // 1-based potentials u (rows) and v (columns); column 0 is a virtual start.
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: n + 1)
        var rowOfColumn = [Int](repeating: 0, count: n + 1)  // 0 = free
        var previous = [Int](repeating: 0, count: n + 1)
        var minReduced = [Double](repeating: 0, count: n + 1)
        var used = [Bool](repeating: false, count: n + 1)
        for row in 1...n {
            rowOfColumn[0] = row
            var column = 0
            for j in 0...n {
                minReduced[j] = .infinity
                used[j] = false
            }
            repeat {
                used[column] = true
                let i = rowOfColumn[column]
                var delta = Double.infinity
                var next = 0
                let base = (i - 1) * n
                for j in 1...n where !used[j] {
                    let reduced = cost[base + j - 1] - u[i] - v[j]
                    if reduced < minReduced[j] {
                        minReduced[j] = reduced
                        previous[j] = column
                    }
                    if minReduced[j] < delta {
                        delta = minReduced[j]
                        next = j
                    }
                }
                for j in 0...n {
                    if used[j] {
                        u[rowOfColumn[j]] += delta
                        v[j] -= delta
                    } else {
                        minReduced[j] -= delta
                    }
                }
                column = next
            } while rowOfColumn[column] != 0
            repeat {
                let prior = previous[column]
                rowOfColumn[column] = rowOfColumn[prior]
                column = prior
            } while column != 0
        }
        var assignment = [Int](repeating: 0, count: n)
        for j in 1...n { assignment[rowOfColumn[j] - 1] = j - 1 }
        return assignment
    }
}
