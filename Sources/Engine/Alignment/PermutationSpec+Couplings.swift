/// Groups whose parts move together.
///
/// An attention layer's heads can be exchanged, but only as wholes and alike in the two sets of units a
/// head owns: its queries' and keys' units (permuted together so q·k is unchanged) and its values' units
/// (which the output projection reads). Those two groups carry one `coupling` name: each keeps its own
/// permutation within a head, and both send head h to the same head. Solving and drawing then work on
/// solve sets: a coupling's groups together, every other group alone. A spec without couplings has one
/// set per group, in group order, so everything here then does exactly what the per-group form did.
extension PermutationSpec {
    /// The groups solved together, in order of their first group: a coupling's groups, or one group.
    public var solveSets: [[Int]] {
        var sets: [[Int]] = []
        var setOf: [String: Int] = [:]
        for (g, group) in groups.enumerated() {
            if let name = group.coupling, let s = setOf[name] {
                sets[s].append(g)
            } else {
                if let name = group.coupling { setOf[name] = sets.count }
                sets.append([g])
            }
        }
        return sets
    }

    /// A uniformly random permutation per group among those the spec admits, drawn from `stream`.
    ///
    /// Group by group as `Group.randomPermutation` draws; a coupled group after the first of its coupling
    /// takes the first one's order of parts and draws only its permutations within parts.
    public func randomPermutations(using stream: inout RandomStream) -> [Permutation] {
        var orders: [String: [Int]] = [:]
        return groups.map { group in
            guard let name = group.coupling, group.parts > 1 else { return group.randomPermutation(using: &stream) }
            let order = orders[name] ?? stream.permutation(group.parts)
            orders[name] = order
            return group.randomPermutation(using: &stream, partOrder: order)
        }
    }

    /// Σ over the set's groups of Σ_i gains[g][i][assignments[g][i]], in group order, then row order: how
    /// the ascents compare a set's current assignments with a candidate.
    static func value(of assignments: [[Int]], in gains: [[Double]]) -> Double {
        var total = 0.0
        for (assignment, gain) in zip(assignments, gains) {
            let n = assignment.count
            total = (0..<n).reduce(total) { $0 + gain[$1 * n + assignment[$1]] }
        }
        return total
    }

    /// The permutations of a solve set's groups that the spec admits and that maximise
    /// Σ_g Σ_i gains[g][i][s_g(i)] (one size × size gain matrix per group of `set`, row-major).
    ///
    /// One group: `Group.assignment(maximizing:)`. A coupling, in two levels as for one group's
    /// exchangeable parts: each group's best assignment from each of its parts to each part, then the one
    /// assignment of parts to parts that maximises the sum of those optima over the coupled groups, each
    /// group then taking its best assignment into the part it is given. Exact, for the same reason.
    ///
    /// - Returns: one assignment per group of `set`, as indices: row i is assigned column `s[i]`.
    /// - Throws: `LinearAssignment.NonFiniteInput` if any entry is NaN or infinite.
    public func assignments(
        maximizing gains: [[Double]], set: [Int]
    ) throws(LinearAssignment.NonFiniteInput) -> [[Int]] {
        precondition(gains.count == set.count)
        guard set.count > 1 else { return [try groups[set[0]].assignment(maximizing: gains[0])] }
        let parts = groups[set[0]].parts
        precondition(set.allSatisfy { groups[$0].parts == parts && groups[$0].exchangeableParts }, "coupled groups differ")
        var blocks: [[(columns: [Int], value: Double)]] = []
        for (g, gain) in zip(set, gains) { blocks.append(try groups[g].partToPart(gain)) }
        let total = (0..<parts * parts).map { pq in blocks.reduce(0.0) { $0 + $1[pq].value } }
        let target = try LinearAssignment.maximize(total, n: parts)
        return zip(set, blocks).map { g, blocks in groups[g].assignment(blocks, target: target) }
    }
}
