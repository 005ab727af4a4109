/// Joint weight matching of N networks into one shared unit order: MergeMany (Ainsworth et al.,
/// *Git Re-Basin*, 2023, appendix), coordinate ascent on Σ_{i<j} ⟨π_i θ_i, π_j θ_j⟩.
public enum MergeMany {
    /// One permutation per network and group, the objective they reach, the sweeps taken and the seed.
    public struct Result: Sendable {
        /// For each network, one permutation per group of the spec, taking it into the shared order:
        /// `networks[i].permuted(by: permutations[i])` is network i in that order.
        public var permutations: [[Permutation]]
        /// Σ_{i<j} ⟨π_i θ_i, π_j θ_j⟩ over the trained tensors, each inner product as `WeightMatching`'s
        /// (Float64, name order), summed over pairs in index order.
        public var objective: Double
        /// Sweeps run, the last of which changed no permutation unless `maxSweeps` was reached.
        public var sweeps: Int
        /// The seed of the restart kept.
        public var seed: UInt64
    }

    /// Aligns every network into one shared unit order.
    ///
    /// All permutations start as identities. Sweep s visits the networks in an order drawn from
    /// (seed, "mergemany/order", s); network i is weight-matched to the sum of the others in the shared
    /// order, Σ_{j≠i} π_j θ_j (summed in Float in index order), since ⟨π_i θ_i, Σ_{j≠i} π_j θ_j⟩ is the part
    /// of the objective that depends on π_i. The matching is `WeightMatching`'s group-by-group ascent with
    /// `maxSweeps`, its group orders seeded by (seed, "mergemany/wm", s·N + i), continued from the current
    /// π_i: it only accepts better assignments, so no step lowers the objective (up to rounding) and
    /// groups with parts get permutations they admit. Stops after a sweep that changes no π_i, or after
    /// `maxSweeps` sweeps. `restarts` (nil: one) reruns it from seeds `seed`, `seed + 1`, … and keeps the
    /// highest objective (the first of equals). Bitwise identical for any thread count: only the
    /// matching's products run in parallel, and they are deterministic.
    ///
    /// - Parameters:
    ///   - networks: Two or more networks of one architecture; the spec is `networks[0]`'s.
    ///   - maxSweeps: The most sweeps, over networks and, within each matching, over groups.
    ///   - seed: Seed of the first restart.
    ///   - restarts: Runs from consecutive seeds; nil is one.
    ///   - parallelism: Threads for the matrix products.
    /// - Returns: The permutations of the best restart with their objective.
    /// - Throws: `LinearAssignment.NonFiniteInput` if the weights hold NaN or infinities.
    /// - Precondition: At least two networks, all compatible with the first.
    public static func align(
        _ networks: [Network], maxSweeps: Int, seed: UInt64, restarts: Int? = nil, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> Result {
        precondition(networks.count >= 2, "MergeMany needs two or more networks")
        precondition(networks.allSatisfy { $0.isCompatible(with: networks[0]) }, "networks of different architectures")
        let spec = networks[0].permutationSpec
        let weights = networks.map(\.trainedTensors)
        var best = try ascend(weights, spec: spec, maxSweeps: maxSweeps, seed: seed, parallelism: parallelism)
        for restart in 1..<max(restarts ?? 1, 1) {
            let next = try ascend(
                weights, spec: spec, maxSweeps: maxSweeps, seed: seed &+ UInt64(restart), parallelism: parallelism)
            if next.objective > best.objective { best = next }
        }
        return best
    }

    /// Σ_{i<j} ⟨θ_i, θ_j⟩ of tensors already in one order, pairs in index order.
    static func objective(_ aligned: [[String: Tensor]]) -> Double {
        var total = 0.0
        for i in aligned.indices {
            for j in aligned.indices where j > i { total += WeightMatching.innerProduct(aligned[i], aligned[j]) }
        }
        return total
    }

    private static func ascend(
        _ weights: [[String: Tensor]], spec: PermutationSpec, maxSweeps: Int, seed: UInt64, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> Result {
        let n = weights.count
        var permutations = Array(repeating: spec.groups.map { Permutation(identity: $0.size) }, count: n)
        var aligned = weights
        var sweeps = 0
        while sweeps < maxSweeps {
            var stream = RandomStream(seed: seed, purpose: "mergemany/order", index: UInt64(sweeps))
            var changed = false
            for i in stream.permutation(n) {
                var seeds = RandomStream(seed: seed, purpose: "mergemany/wm", index: UInt64(sweeps * n + i))
                let matched = try WeightMatching.ascend(
                    weights[i], to: sum(aligned, except: i), spec: spec, maxSweeps: maxSweeps, seed: seeds.next(),
                    from: permutations[i], parallelism: parallelism)
                if matched.permutations != permutations[i] {
                    permutations[i] = matched.permutations
                    aligned[i] = spec.apply(matched.permutations, to: weights[i])
                    changed = true
                }
            }
            sweeps += 1
            if !changed { break }
        }
        return Result(permutations: permutations, objective: objective(aligned), sweeps: sweeps, seed: seed)
    }

    /// Σ_{j≠i} θ_j tensor by tensor, in index order.
    private static func sum(_ tensors: [[String: Tensor]], except i: Int) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, first) in tensors[0] {
            var scalars = [Float](repeating: 0, count: first.count)
            for (j, network) in tensors.enumerated() where j != i {
                guard let x = network[name]?.scalars, x.count == scalars.count else { continue }
                for e in scalars.indices { scalars[e] += x[e] }
            }
            result[name] = Tensor(shape: first.shape, scalars: scalars)
        }
        return result
    }
}
