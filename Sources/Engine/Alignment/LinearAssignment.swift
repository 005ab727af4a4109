/// An exact solver of the linear assignment problem in Float64.
///
/// Shortest augmenting paths with dual potentials (Jonker & Volgenant 1987, in the form Crouse 2016
/// describes): rows are added one at a time, each by a Dijkstra search over reduced costs that only scans
/// columns it has not yet reached, and the potentials are updated once per augmentation. The assignment
/// stays optimal for the rows added so far. O(n³) worst case; far less on random gains.
public enum LinearAssignment {
    /// A gain matrix with a non-finite entry has no meaningful assignment.
    public struct NonFiniteInput: Error, Sendable, CustomStringConvertible {
        public var description: String { "the assignment gain matrix holds NaN or infinite values" }
    }

    /// An optimal assignment with its dual certificate: `rowPotential[i] + columnPotential[j] ≤ cost[i][j]`
    /// everywhere, with equality on every assigned pair.
    package struct Solution {
        package var columnOfRow: [Int]
        package var rowPotential: [Double]
        package var columnPotential: [Double]
    }

    /// The permutation s maximising Σ_i gain[i][s(i)] for an n×n gain matrix stored row-major.
    ///
    /// - Returns: `s` as indices: row i is assigned column `s[i]`.
    /// - Throws: `NonFiniteInput` if any entry is NaN or infinite.
    public static func maximize(_ gain: [Double], n: Int) throws(NonFiniteInput) -> [Int] {
        precondition(gain.count == n * n)
        guard gain.allSatisfy(\.isFinite) else { throw NonFiniteInput() }
        // Minimise cost = max − gain, which is ≥ 0; the optimum is unchanged.
        let top = gain.max() ?? 0
        return minimize(gain.map { top - $0 }, n: n).columnOfRow
    }

    /// Minimises Σ_i cost[i][s(i)] for a finite n×n cost matrix stored row-major.
    package static func minimize(_ cost: [Double], n: Int) -> Solution {
        precondition(cost.count == n * n)
        let work = Workspace(n: n)
        defer { work.deallocate() }
        cost.withUnsafeBufferPointer { cost in
            guard let cost = cost.baseAddress else { return }
            reduceColumns(cost: cost, n: n, work)
            for start in 0..<n where work.columnOfRow[start] < 0 { augment(from: start, cost: cost, n: n, work) }
        }
        return Solution(
            columnOfRow: Array(UnsafeBufferPointer(start: work.columnOfRow, count: n)),
            rowPotential: Array(UnsafeBufferPointer(start: work.u, count: n)),
            columnPotential: Array(UnsafeBufferPointer(start: work.v, count: n)))
    }

    /// Warm start by Jonker & Volgenant's column reduction.
    ///
    /// v[j] = min_i cost[i][j], so every reduced cost is ≥ 0 with u = 0, and column j goes to its cheapest
    /// row when that row is still free (a tight pair). On dense random matrices this settles most rows
    /// before any path search.
    private static func reduceColumns(cost: UnsafePointer<Double>, n: Int, _ w: Workspace) {
        for j in 0..<n { w.v[j] = .infinity }
        var cheapest = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let row = cost + i * n
            for j in 0..<n where row[j] < w.v[j] {
                w.v[j] = row[j]
                cheapest[j] = i
            }
        }
        for j in stride(from: n - 1, through: 0, by: -1) where w.columnOfRow[cheapest[j]] < 0 {
            w.columnOfRow[cheapest[j]] = j
            w.rowOfColumn[j] = cheapest[j]
        }
    }

    /// Assigns row `start` by the shortest augmenting path from it, then updates the potentials.
    private static func augment(from start: Int, cost: UnsafePointer<Double>, n: Int, _ w: Workspace) {
        let (u, v, shortest, path, remaining) = (w.u, w.v, w.shortest, w.path, w.remaining)
        let (columnOfRow, rowOfColumn, rowReached, columnReached) = (w.columnOfRow, w.rowOfColumn, w.rowReached, w.columnReached)
        for j in 0..<n {
            shortest[j] = .infinity
            remaining[j] = n - 1 - j
            rowReached[j] = false
            columnReached[j] = false
        }
        var unreached = n
        var distance = 0.0
        var row = start
        var sink = -1
        while sink < 0 {
            rowReached[row] = true
            let costRow = cost + row * n
            let offset = distance - u[row]
            var lowest = Double.infinity
            var lowestAt = 0
            for k in 0..<unreached {
                let j = remaining[k]
                let reduced = offset + costRow[j] - v[j]
                var best = shortest[j]
                if reduced < best {
                    path[j] = row
                    shortest[j] = reduced
                    best = reduced
                }
                // Among equals prefer a free column: the path ends sooner.
                if best < lowest || (best == lowest && rowOfColumn[j] < 0) {
                    lowest = best
                    lowestAt = k
                }
            }
            distance = lowest
            let column = remaining[lowestAt]
            columnReached[column] = true
            unreached -= 1
            remaining[lowestAt] = remaining[unreached]
            if rowOfColumn[column] < 0 { sink = column } else { row = rowOfColumn[column] }
        }
        u[start] += distance
        for i in 0..<n where rowReached[i] && i != start { u[i] += distance - shortest[columnOfRow[i]] }
        for j in 0..<n where columnReached[j] { v[j] -= distance - shortest[j] }
        var column = sink
        while true {
            let i = path[column]
            rowOfColumn[column] = i
            swap(&columnOfRow[i], &column)
            if i == start { break }
        }
    }

    /// The solver's arrays, allocated once per solve.
    private struct Workspace {
        let u, v, shortest: UnsafeMutablePointer<Double>
        let columnOfRow, rowOfColumn, path, remaining: UnsafeMutablePointer<Int>
        let rowReached, columnReached: UnsafeMutablePointer<Bool>

        init(n: Int) {
            func doubles() -> UnsafeMutablePointer<Double> {
                let p = UnsafeMutablePointer<Double>.allocate(capacity: n)
                p.initialize(repeating: 0, count: n)
                return p
            }
            func indices() -> UnsafeMutablePointer<Int> {
                let p = UnsafeMutablePointer<Int>.allocate(capacity: n)
                p.initialize(repeating: -1, count: n)
                return p
            }
            (u, v, shortest) = (doubles(), doubles(), doubles())
            (columnOfRow, rowOfColumn, path, remaining) = (indices(), indices(), indices(), indices())
            rowReached = .allocate(capacity: n)
            columnReached = .allocate(capacity: n)
            rowReached.initialize(repeating: false, count: n)
            columnReached.initialize(repeating: false, count: n)
        }

        func deallocate() {
            for p in [u, v, shortest] { p.deallocate() }
            for p in [columnOfRow, rowOfColumn, path, remaining] { p.deallocate() }
            rowReached.deallocate()
            columnReached.deallocate()
        }
    }
}
