/// Permutations that keep a group's parts whole.
///
/// GroupNorm(G, C) normalises each of its G runs of C / G consecutive channels together, so a channel
/// permutation computes the same function only if it maps each run onto a run. A permutation group whose
/// units such norms read is split into `parts` contiguous equal blocks, the coarsest partition that refines
/// every norm's runs; a permutation the group admits maps each part onto itself. With one part nothing
/// changes: every function here then does exactly what the unconstrained form did.
extension PermutationSpec.Group {
    /// A group of `size` units in `parts` parts that indexes no tensor, for checking the permutations
    /// of a partition alone.
    package init(_ name: String, size: Int, parts: Int) {
        self.init(name: name, size: size, members: [], parts: parts)
    }

    /// Units in each part.
    public var partSize: Int { size / parts }

    /// Whether `permutation` has the group's size and maps each part onto itself.
    public func admits(_ permutation: Permutation) -> Bool {
        guard permutation.count == size else { return false }
        let k = partSize
        return permutation.indices.enumerated().allSatisfy { $0.offset / k == $0.element / k }
    }

    /// A uniformly random permutation among those the group admits, drawn from `stream`.
    ///
    /// With one part it draws exactly what `Permutation.random(size, using:)` draws; with more, one
    /// uniform permutation per part, first part first.
    public func randomPermutation(using stream: inout RandomStream) -> Permutation {
        guard parts > 1 else { return Permutation.random(size, using: &stream) }
        let k = partSize
        var indices: [Int] = []
        indices.reserveCapacity(size)
        for part in 0..<parts { indices += stream.permutation(k).map { part * k + $0 } }
        return Permutation(indices) ?? Permutation(identity: size)
    }

    /// The permutation s the group admits that maximises Σ_i gain[i][s(i)], for a size × size gain matrix
    /// stored row-major.
    ///
    /// One part: `LinearAssignment.maximize` on the whole matrix. More: the same on each part's diagonal
    /// block, which is exact since an admitted permutation never leaves that block.
    ///
    /// - Returns: `s` as indices: row i is assigned column `s[i]`.
    /// - Throws: `LinearAssignment.NonFiniteInput` if any entry is NaN or infinite.
    public func assignment(maximizing gain: [Double]) throws(LinearAssignment.NonFiniteInput) -> [Int] {
        precondition(gain.count == size * size)
        guard parts > 1 else { return try LinearAssignment.maximize(gain, n: size) }
        guard gain.allSatisfy(\.isFinite) else { throw LinearAssignment.NonFiniteInput() }
        let k = partSize
        var result: [Int] = []
        result.reserveCapacity(size)
        for part in 0..<parts {
            let base = part * k
            let block = (0..<k * k).map { gain[(base + $0 / k) * size + base + $0 % k] }
            result += try LinearAssignment.maximize(block, n: k).map { base + $0 }
        }
        return result
    }
}

extension PermutationSpec {
    /// Whether `permutations` fit the groups: one per group, each of its size and keeping its parts whole.
    ///
    /// A stored alignment is checked with this before it is applied: one made when the groups were
    /// derived differently would otherwise change the network's function without a word.
    public func admits(_ permutations: [Permutation]) -> Bool {
        permutations.count == groups.count && zip(groups, permutations).allSatisfy { $0.admits($1) }
    }

    /// How a GroupNorm of `groups` groups over `features` features, `block` consecutive features per unit
    /// (more than one after a flatten), splits the units it reads.
    ///
    /// - Returns: 1 if any permutation of the units keeps its groups whole (one group; or each group
    ///   within one unit's block, or exactly one unit); its group count if each group is two or more
    ///   whole units; nil if a group boundary cuts through a unit's block.
    package static func parts(groups: Int, features: Int, block: Int) -> Int? {
        let run = features / groups
        if groups == 1 || block % run == 0 { return 1 }
        return run % block == 0 ? groups : nil
    }
}
