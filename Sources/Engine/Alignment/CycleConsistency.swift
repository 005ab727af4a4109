/// How well pairwise alignments of N networks agree around cycles of three: the fraction of units that
/// come back to themselves (Ainsworth et al., *Git Re-Basin*, 2023; Crisostomi et al., *C2M3*, 2024).
///
/// Convention: `pairwise[i][j]` holds one permutation per group taking network j into network i's unit
/// order, as `WeightMatching.align(networks[j], to: networks[i])` returns it, so
/// `networks[j].permuted(by: pairwise[i][j])` ≈ `networks[i]`; entry u of P_ij is the unit of j matched
/// to unit u of i. For a < b < c the cycle is the permutation `P_ca.then(P_bc).then(P_ab)`: gathering
/// a's units into c's order, then into b's, then back into a's. Its entry u is P_ca[P_bc[P_ab[u]]],
/// unit u of a followed to its match in b, that unit's match in c, and that one's match in a. Reading
/// P_xy instead as the map from y's units to x's positions (its inverse), this is the inverse of
/// P_ab(P_bc(P_ca(u))), which has the same fixed points. Diagonal entries are never read.
public enum CycleConsistency {
    /// Fixed-point fractions of the composed cycles.
    public struct Result: Sendable, Hashable {
        /// Per group: fixed units over all cycles / (cycles × group size).
        public var perGroup: [Double]
        /// All groups together, each weighted by its size.
        public var overall: Double
        /// Cycles measured: C(N, 3).
        public var cycles: Int
    }

    /// The composed cycle a → b → c → a for each group, `P_ca.then(P_bc).then(P_ab)`; the identity
    /// wherever the three alignments agree.
    ///
    /// - Precondition: the three entries hold equally many permutations, of equal sizes group by group.
    public static func cycle(_ pairwise: [[[Permutation]]], _ a: Int, _ b: Int, _ c: Int) -> [Permutation] {
        let (ab, bc, ca) = (pairwise[a][b], pairwise[b][c], pairwise[c][a])
        precondition(ab.count == bc.count && bc.count == ca.count, "alignments with different group counts")
        return ab.indices.map { ca[$0].then(bc[$0]).then(ab[$0]) }
    }

    /// The fraction of units u with cycle(u) = u, over every cycle a < b < c, per group and overall.
    ///
    /// - Parameter pairwise: An N × N matrix of alignments in the type's convention (N ≥ 3); entries
    ///   with i > j are read, so alignments computed only for i < j need their inverses filled in.
    /// - Returns: The fractions; 1 everywhere for a consistent set, such as `pairwise(fromJoint:)` gives.
    /// - Precondition: N ≥ 3, each row has N entries, and all alignments have one group structure.
    public static func fractions(_ pairwise: [[[Permutation]]]) -> Result {
        let n = pairwise.count
        precondition(n >= 3 && pairwise.allSatisfy { $0.count == n }, "need an N × N matrix, N ≥ 3")
        let sizes = pairwise[0][1].map(\.count)
        var fixed = [Int](repeating: 0, count: sizes.count)
        var cycles = 0
        for a in 0..<n {
            for b in a + 1..<n {
                for c in b + 1..<n {
                    let composed = cycle(pairwise, a, b, c)
                    precondition(composed.map(\.count) == sizes, "alignments with different group sizes")
                    for (g, p) in composed.enumerated() { fixed[g] += p.indices.enumerated().filter { $0 == $1 }.count }
                    cycles += 1
                }
            }
        }
        let perGroup = zip(fixed, sizes).map { Double($0) / Double(cycles * $1) }
        let units = sizes.reduce(0, +)
        let overall = units == 0 ? 1 : Double(fixed.reduce(0, +)) / Double(cycles * units)
        return Result(perGroup: perGroup, overall: overall, cycles: cycles)
    }

    /// The pairwise alignments a joint alignment implies: P_ij = π_j.then(π_i⁻¹), network j into the
    /// shared order and from there into network i's, for every i and j (the identity on the diagonal).
    ///
    /// Every cycle of them is exactly the identity: P_ca.then(P_bc).then(P_ab) telescopes to
    /// π_a.then(π_a⁻¹).
    ///
    /// - Parameter joint: For each network, one permutation per group into the shared order, as
    ///   `MergeMany.Result.permutations`.
    /// - Returns: The N × N matrix in the type's convention.
    public static func pairwise(fromJoint joint: [[Permutation]]) -> [[[Permutation]]] {
        joint.map { into in joint.map { from in zip(from, into).map { $0.then($1.inverse) } } }
    }
}
