/// Permutations that keep a group's parts whole.
///
/// GroupNorm(G, C) normalises each of its G runs of C / G consecutive channels together, so a channel
/// permutation computes the same function only if it maps each run onto a run. A permutation group whose
/// units such norms read is split into `parts` contiguous equal blocks, the coarsest partition that refines
/// every norm's runs. A permutation the group admits maps each part onto itself; when the parts are one
/// norm's groups (`exchangeableParts`), onto any part, which is the whole set of permutations that keeps
/// that norm's function. With one part nothing changes: every function here then does exactly what the
/// unconstrained form did.
extension PermutationSpec.Group {
    /// A group of `size` units in `parts` parts that indexes no tensor, for checking the permutations
    /// of a partition alone.
    package init(_ name: String, size: Int, parts: Int, exchangeable: Bool = false) {
        self.init(name: name, size: size, members: [], parts: parts, exchangeableParts: exchangeable)
    }

    /// Units in each part.
    public var partSize: Int { size / parts }

    /// Whether `permutation` has the group's size and maps each part onto itself (onto one part, if
    /// parts are exchangeable).
    public func admits(_ permutation: Permutation) -> Bool {
        guard permutation.count == size else { return false }
        let k = partSize
        return (0..<parts).allSatisfy { part in
            let source = exchangeableParts ? permutation.indices[part * k] / k : part
            return permutation.indices[part * k..<(part + 1) * k].allSatisfy { $0 / k == source }
        }
    }

    /// A uniformly random permutation among those the group admits, drawn from `stream`.
    ///
    /// With one part it draws exactly what `Permutation.random(size, using:)` draws; with more, the order
    /// of the parts if they are exchangeable (unless `partOrder` gives it: a coupled group takes its
    /// coupling's), then one uniform permutation within each part, first first.
    public func randomPermutation(using stream: inout RandomStream, partOrder: [Int]? = nil) -> Permutation {
        guard parts > 1 else { return Permutation.random(size, using: &stream) }
        let k = partSize
        let sources = partOrder ?? (exchangeableParts ? stream.permutation(parts) : Array(0..<parts))
        var indices: [Int] = []
        indices.reserveCapacity(size)
        for source in sources { indices += stream.permutation(k).map { source * k + $0 } }
        return Permutation(indices) ?? Permutation(identity: size)
    }

    /// The permutation s the group admits that maximises Σ_i gain[i][s(i)], for a size × size gain matrix
    /// stored row-major.
    ///
    /// One part: `LinearAssignment.maximize` on the whole matrix. Parts kept in place: the same on each
    /// part's diagonal block. Exchangeable parts, in two levels: the best assignment from each part's rows
    /// to each part's columns, then the assignment of parts to parts that maximises the sum of those
    /// optima, each part then taking its best assignment into the part it is given. Both are exact, since
    /// an admitted permutation is such a choice of parts followed by one assignment within each pair.
    ///
    /// - Returns: `s` as indices: row i is assigned column `s[i]`.
    /// - Throws: `LinearAssignment.NonFiniteInput` if any entry is NaN or infinite.
    /// - Complexity: one part, O(size³); more, O(size³ / parts) for exchangeable parts and O(size³ / parts²)
    ///   otherwise.
    public func assignment(maximizing gain: [Double]) throws(LinearAssignment.NonFiniteInput) -> [Int] {
        precondition(gain.count == size * size)
        guard parts > 1 else { return try LinearAssignment.maximize(gain, n: size) }
        guard exchangeableParts else {
            guard gain.allSatisfy(\.isFinite) else { throw LinearAssignment.NonFiniteInput() }
            var best: [[Int]] = []
            for p in 0..<parts { best.append(try within(gain, p, p).columns) }
            return (0..<parts).flatMap { p in best[p].map { p * partSize + $0 } }
        }
        let blocks = try partToPart(gain)
        let target = try LinearAssignment.maximize(blocks.map(\.value), n: parts)
        return assignment(blocks, target: target)
    }

    /// The best assignment of part p's rows to part q's columns (as column indices within q) and its
    /// value, for every p and q, row-major.
    ///
    /// - Throws: `LinearAssignment.NonFiniteInput` if any entry is NaN or infinite.
    func partToPart(_ gain: [Double]) throws(LinearAssignment.NonFiniteInput) -> [(columns: [Int], value: Double)] {
        guard gain.allSatisfy(\.isFinite) else { throw LinearAssignment.NonFiniteInput() }
        var pairs: [(columns: [Int], value: Double)] = []
        pairs.reserveCapacity(parts * parts)
        for p in 0..<parts { for q in 0..<parts { pairs.append(try within(gain, p, q)) } }
        return pairs
    }

    /// The permutation that sends part p to part `target[p]`, each by its best assignment in `blocks`.
    func assignment(_ blocks: [(columns: [Int], value: Double)], target: [Int]) -> [Int] {
        (0..<parts).flatMap { p in blocks[p * parts + target[p]].columns.map { target[p] * partSize + $0 } }
    }

    /// Best assignment of part p's rows to part q's columns, as column indices within q, and its value.
    private func within(_ gain: [Double], _ p: Int, _ q: Int) throws(LinearAssignment.NonFiniteInput) -> (
        columns: [Int], value: Double
    ) {
        let k = partSize
        let block = (0..<k * k).map { gain[(p * k + $0 / k) * size + q * k + $0 % k] }
        let columns = try LinearAssignment.maximize(block, n: k)
        return (columns, (0..<k).reduce(0.0) { $0 + block[$1 * k + columns[$1]] })
    }
}

extension PermutationSpec {
    /// Whether `permutations` fit the groups: one per group, each of its size and keeping its parts
    /// whole, and coupled groups exchanging their parts alike.
    ///
    /// A stored alignment is checked with this before it is applied: one made when the groups were
    /// derived differently would otherwise change the network's function without a word.
    public func admits(_ permutations: [Permutation]) -> Bool {
        guard permutations.count == groups.count && zip(groups, permutations).allSatisfy({ $0.admits($1) }) else {
            return false
        }
        return solveSets.allSatisfy { set in
            set.dropFirst().allSatisfy { partMap(set[0], permutations[set[0]]) == partMap($0, permutations[$0]) }
        }
    }

    /// Where a permutation of group `g` sends each part.
    private func partMap(_ g: Int, _ permutation: Permutation) -> [Int] {
        let k = groups[g].partSize
        return (0..<groups[g].parts).map { permutation.indices[$0 * k] / k }
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
