extension ActivationMatching {
    /// Permutations of N networks into one shared unit order, and how far they got.
    public struct JointResult: Sendable {
        /// For each network, one permutation per group: `networks[i].permuted(by: permutations[i])` is
        /// network i in the shared order.
        public var permutations: [[Permutation]]
        /// Σ_{i<j} Σ_groups Σ_u S_ij(π_i(u), π_j(u)): the summed similarity of the units that share a place.
        public var objective: Double
        /// Sweeps run, the last of which changed nothing unless `maxSweeps` was reached.
        public var sweeps: Int
    }

    /// Activation matching of N networks at once: coordinate ascent on the summed similarity, over every
    /// pair of networks, of the units the shared order puts in one place.
    ///
    /// Similarities S_ij are measured as `align(_:to:)` measures them, for every pair, on the same
    /// inputs. All permutations start as identities; each sweep visits networks 0, 1, …, N−1 and, group
    /// by group, gives network i the assignment that maximises Σ_{j≠i} Σ_u S_ij(π_i(u), π_j(u)) with the
    /// others fixed: the part of the objective that depends on π_i, so no step lowers it. A new assignment
    /// is taken only when it is strictly better, and the ascent stops after a sweep that changes nothing
    /// or after `maxSweeps` sweeps. Bitwise identical for any thread count.
    ///
    /// - Precondition: Two or more networks, all compatible with the first.
    public static func alignJointly(
        _ networks: [Network], inputs: Dataset.Split, similarity: Similarity, maxSweeps: Int, batchSize: Int = 250,
        parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> JointResult {
        precondition(networks.count >= 2, "joint activation matching needs two or more networks")
        precondition(networks.allSatisfy { $0.isCompatible(with: networks[0]) }, "networks of different architectures")
        let program = networks[0].program
        let (spec, activations) = program.channelGroups
        let n = networks.count
        let pairs = (0..<n).flatMap { i in (i + 1..<n).map { (i, $0) } }
        let buffers = Array(Set(activations.joined())).sorted()
        var moments = pairs.map { _ in
            Dictionary(uniqueKeysWithValues: buffers.map { ($0, CoMoments(width: program.buffers[$0].channels)) })
        }
        let features = networks[0].architecture.input.features
        let capacity = max(1, min(batchSize, inputs.count))
        let states = networks.map { NetworkState(network: $0, batchCapacity: capacity, training: false) }
        inputs.inputs.withUnsafeBufferPointer { x in
            guard let x = x.baseAddress else { return }
            for start in stride(from: 0, to: inputs.count, by: batchSize) {
                let rows = min(batchSize, inputs.count - start)
                for state in states {
                    state.batchInputs.update(from: x + start * features, count: rows * features)
                    state.forward(batch: rows, training: false, parallelism: parallelism)
                }
                for (p, (i, j)) in pairs.enumerated() {
                    for buffer in buffers {
                        let count = rows * program.buffers[buffer].height * program.buffers[buffer].width
                        moments[p][buffer]?.add(
                            states[i].activations[buffer], states[j].activations[buffer], rows: count,
                            parallelism: parallelism)
                    }
                }
            }
        }
        // similarity[p][g][k·size + l]: unit k of network i against unit l of network j, for pair p = (i, j).
        let similarities = moments.map { byBuffer in
            zip(spec.groups, activations).map { group, buffers in
                var s = [Double](repeating: 0, count: group.size * group.size)
                for buffer in buffers {
                    guard let m = byBuffer[buffer] else { continue }
                    for (k, value) in m.similarity(similarity).enumerated() { s[k] += value / Double(buffers.count) }
                }
                return s
            }
        }
        var pairIndex = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        for (p, (i, j)) in pairs.enumerated() { (pairIndex[i][j], pairIndex[j][i]) = (p, p) }
        /// S_ij(k, l) in group g: unit k of network i against unit l of network j.
        func s(_ i: Int, _ j: Int, group g: Int, _ k: Int, _ l: Int) -> Double {
            let size = spec.groups[g].size
            let matrix = similarities[pairIndex[i][j]][g]
            return i < j ? matrix[k * size + l] : matrix[l * size + k]
        }
        var assignments = Array(repeating: spec.groups.map { Array(0..<$0.size) }, count: n)
        var sweeps = 0
        while sweeps < maxSweeps {
            var changed = false
            for i in 0..<n {
                for set in spec.solveSets {
                    // gains[·][u·size + k]: unit k of network i placed at shared position u.
                    let gains = set.map { g in
                        let size = spec.groups[g].size
                        var gain = [Double](repeating: 0, count: size * size)
                        for j in 0..<n where j != i {
                            let matrix = similarities[pairIndex[i][j]][g]
                            for u in 0..<size {
                                let l = assignments[j][g][u]
                                for k in 0..<size { gain[u * size + k] += i < j ? matrix[k * size + l] : matrix[l * size + k] }
                            }
                        }
                        return gain
                    }
                    let next = try spec.assignments(maximizing: gains, set: set)
                    let current = PermutationSpec.value(of: set.map { assignments[i][$0] }, in: gains)
                    if PermutationSpec.value(of: next, in: gains) > current + 1e-12 * max(1, abs(current)) {
                        for (index, g) in set.enumerated() { assignments[i][g] = next[index] }
                        changed = true
                    }
                }
            }
            sweeps += 1
            if !changed { break }
        }
        var objective = 0.0
        for (i, j) in pairs {
            for g in spec.groups.indices {
                for u in 0..<spec.groups[g].size { objective += s(i, j, group: g, assignments[i][g][u], assignments[j][g][u]) }
            }
        }
        let permutations = assignments.map { groups in
            groups.map { Permutation($0) ?? Permutation(identity: $0.count) }
        }
        return JointResult(permutations: permutations, objective: objective, sweeps: sweeps)
    }
}
