/// Weight matching (Ainsworth et al., *Git Re-Basin*, 2023): find permutations π of B's hidden units that
/// maximise Σ over tensors ⟨θ_A, π(θ_B)⟩, by coordinate ascent over permutation groups.
public enum WeightMatching {
    /// The permutations found (one per group, in spec order), how many sweeps it took, and their objective.
    public struct Result: Sendable {
        /// One permutation per group, in the spec's order.
        public var permutations: [Permutation]
        /// Sweeps run, the last of which changed nothing unless `maxSweeps` was reached.
        public var sweeps: Int
        /// Σ over tensors of ⟨θ_A, π(θ_B)⟩, in Float64 and name order.
        public var objective: Double
        /// The seed of the group orders that found these permutations.
        public var seed: UInt64
    }

    /// Aligns `b` to `a`: the result π has π(b) ≈ a.
    ///
    /// Each sweep visits the solve sets (each group alone, an attention layer's coupled groups together) in
    /// an order drawn from (seed, "wm/order", sweep). For group g it builds C = Σ_(t, axis) A_t · B'_tᵀ,
    /// with each tensor's axis moved first and the rest flattened and B' carrying every other group's
    /// current permutation, and solves the assignment (a set's groups jointly). New assignments are kept
    /// only when they raise Σ_i C[i, π(i)] (summed over the set) by more than 1e-12. Stops after a sweep
    /// that changes nothing, or `maxSweeps`.
    ///
    /// Coordinate ascent finds a local optimum that depends on the group orders, so `restarts` runs it
    /// from seeds `seed`, `seed + 1`, … and keeps the highest objective (the first of equals): one restart
    /// is plain Git Re-Basin, and the choice depends on neither timing nor thread count.
    ///
    /// - Throws: `LinearAssignment.NonFiniteInput` if the weights hold NaN or infinities.
    public static func align(
        _ b: [String: Tensor], to a: [String: Tensor], spec: PermutationSpec, maxSweeps: Int, seed: UInt64,
        restarts: Int = 1, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> Result {
        var best = try ascend(b, to: a, spec: spec, maxSweeps: maxSweeps, seed: seed, parallelism: parallelism)
        for restart in 1..<max(restarts, 1) {
            let next = try ascend(
                b, to: a, spec: spec, maxSweeps: maxSweeps, seed: seed &+ UInt64(restart), parallelism: parallelism)
            if next.objective > best.objective { best = next }
        }
        return best
    }

    /// One run of the coordinate ascent from `initial` (identities if nil), whose permutations it only
    /// ever replaces by better ones; MergeMany continues each network's ascent from where it stopped.
    static func ascend(
        _ b: [String: Tensor], to a: [String: Tensor], spec: PermutationSpec, maxSweeps: Int, seed: UInt64,
        from initial: [Permutation]? = nil, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> Result {
        var permutations = initial ?? spec.groups.map { Permutation(identity: $0.size) }
        let sets = spec.solveSets
        var sweeps = 0
        while sweeps < maxSweeps {
            var stream = RandomStream(seed: seed, purpose: "wm/order", index: UInt64(sweeps))
            sweeps += 1
            var changed = false
            for s in stream.permutation(sets.count) {
                let set = sets[s]
                let gains = set.map { g in
                    gainMatrix(group: g, spec: spec, a: a, b: b, permutations: permutations, parallelism: parallelism)
                }
                let candidates = try spec.assignments(maximizing: gains, set: set)
                let old = PermutationSpec.value(of: set.map { permutations[$0].indices }, in: gains)
                if PermutationSpec.value(of: candidates, in: gains) > old + 1e-12 {
                    for (g, candidate) in zip(set, candidates) {
                        if let next = Permutation(candidate) { permutations[g] = next }
                    }
                    changed = true
                }
            }
            if !changed { break }
        }
        let value = objective(b, to: a, spec: spec, permutations: permutations)
        return Result(permutations: permutations, sweeps: sweeps, objective: value, seed: seed)
    }

    /// Σ over the tensors of `a` of ⟨A_t, π(B)_t⟩, accumulated in Float64 in name order.
    static func objective(
        _ b: [String: Tensor], to a: [String: Tensor], spec: PermutationSpec, permutations: [Permutation]
    ) -> Double {
        innerProduct(a, spec.apply(permutations, to: b))
    }

    /// Σ over the tensors of `a` of ⟨A_t, B_t⟩, accumulated in Float64 in name order.
    static func innerProduct(_ a: [String: Tensor], _ b: [String: Tensor]) -> Double {
        var total = 0.0
        for name in a.keys.sorted() {
            guard let x = a[name]?.scalars, let y = b[name]?.scalars, x.count == y.count else { continue }
            for i in x.indices { total += Double(x[i]) * Double(y[i]) }
        }
        return total
    }

    /// C[i][j] = Σ over the group's members of ⟨A_t[unit i], B'_t[unit j]⟩.
    static func gainMatrix(
        group g: Int, spec: PermutationSpec, a: [String: Tensor], b: [String: Tensor], permutations: [Permutation],
        parallelism: Parallelism
    ) -> [Double] {
        let n = spec.groups[g].size
        var gain = [Double](repeating: 0, count: n * n)
        for member in spec.groups[g].members {
            guard let tensorA = a[member.tensor], var tensorB = b[member.tensor] else { continue }
            for (h, other) in spec.groups.enumerated() where h != g {
                for m in other.members where m.tensor == member.tensor {
                    tensorB = tensorB.permuted(m, by: permutations[h])
                }
            }
            // A flattened input's block of positions per unit goes with the unit's other axes.
            let split = tensorA.blockShape(member)
            let lhs = tensorA.reshaped(split).axisFirst(member.axis), rhs = tensorB.reshaped(split).axisFirst(member.axis)
            let rest = tensorA.count / n
            let product = Gemm.product(lhs, rhs, m: n, n: n, k: rest, transposeB: true, parallelism: parallelism)
            for i in 0..<n * n { gain[i] += Double(product[i]) }
        }
        return gain
    }
}

extension Tensor {
    /// The elements reordered so that `axis` comes first and the other axes, in order, are flattened after it.
    func axisFirst(_ axis: Int) -> [Float] {
        if axis == 0 { return scalars }
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        for o in 0..<outer {
            for i in 0..<n {
                for e in 0..<inner { result[(i * outer + o) * inner + e] = scalars[(o * n + i) * inner + e] }
            }
        }
        return result
    }
}

extension WeightMatching {
    /// Weight matching of two networks of one architecture over their trained tensors (every axis but
    /// the permuted one flattened; weights, biases and norm parameters); running statistics are carried
    /// by the permutation but not matched.
    public static func align(
        _ b: Network, to a: Network, maxSweeps: Int, seed: UInt64, restarts: Int = 1, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> Result {
        try align(
            b.trainedTensors, to: a.trainedTensors, spec: a.permutationSpec, maxSweeps: maxSweeps, seed: seed,
            restarts: restarts, parallelism: parallelism)
    }
}
