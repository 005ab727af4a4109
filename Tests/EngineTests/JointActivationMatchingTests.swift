import Engine
import Testing

/// Activation matching of N networks into one shared order (`ActivationMatching.alignJointly`).
@Suite struct JointActivationMatchingTests {
    /// Inputs shaped for `MergeManyTests.independent`'s MLPs (20 features).
    static func inputs(_ count: Int = 400) -> Dataset.Split {
        var data = Dataset.synthetic(features: 20, classes: 4, trainCount: count, testCount: 10, noise: 1, seed: 3)
        data.standardize()
        return data.train
    }

    @Test("N permuted copies of one network are aligned into one order exactly")
    func recoversPlanted() throws {
        let base = try MergeManyTests.independent(1, seed: 21, sizes: [20, 48, 40, 4])[0]
        var stream = RandomStream(seed: 22, purpose: "plant")
        let copies = (0..<4).map { _ in
            base.permuted(by: base.permutationSpec.randomPermutations(using: &stream))
        }
        #expect(!copies[0].isBitwiseEqual(copies[1]))
        let result = try ActivationMatching.alignJointly(
            copies, inputs: Self.inputs(), similarity: .correlation, maxSweeps: 50, parallelism: .serial)
        let aligned = zip(copies, result.permutations).map { $0.permuted(by: $1) }
        for i in 1..<aligned.count { #expect(aligned[i].isBitwiseEqual(aligned[0]), "copy \(i)") }
        #expect(result.sweeps >= 2 && result.sweeps < 50)
        let pairwise = CycleConsistency.pairwise(fromJoint: result.permutations)
        #expect(CycleConsistency.fractions(pairwise).overall == 1)
    }

    /// Σ_{i<j} Σ_groups Σ_u S_ij(π_i(u), π_j(u)), with S from pairwise activation matching's own statistic: the
    /// correlation of unit π_i(u) of network i with unit π_j(u) of network j, by plain loops over the
    /// activations `ActivationMatching.align` would read, summed in Double.
    static func summedCorrelation(_ networks: [Network], _ permutations: [[Permutation]], inputs: Dataset.Split) -> Double {
        let aligned = zip(networks, permutations).map { $0.permuted(by: $1) }
        let hidden = aligned.map { $0.hiddenActivations(of: inputs) }
        var total = 0.0
        for i in aligned.indices {
            for j in aligned.indices where j > i {
                for (a, b) in zip(hidden[i], hidden[j]) {
                    for unit in a.indices { total += correlation(a[unit], b[unit]) }
                }
            }
        }
        return total
    }

    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for k in x.indices {
            sxy += (x[k] - mx) * (y[k] - my)
            sxx += (x[k] - mx) * (x[k] - mx)
            syy += (y[k] - my) * (y[k] - my)
        }
        return sxx * syy > 1e-24 ? sxy / (sxx * syy).squareRoot() : 0
    }

    @Test(
        "the summed correlation is at least that of matching every network to the first, and the objective is it",
        arguments: [(UInt64(1), 3), (2, 4), (3, 5)])
    func beatsStarAlignment(seed: UInt64, count: Int) throws {
        let networks = try MergeManyTests.independent(count, seed: seed, sizes: [20, 40, 40, 4])
        let inputs = Self.inputs()
        let result = try ActivationMatching.alignJointly(
            networks, inputs: inputs, similarity: .correlation, maxSweeps: 100, parallelism: .serial)
        let joint = Self.summedCorrelation(networks, result.permutations, inputs: inputs)
        #expect(abs(result.objective - joint) <= 1e-6 * abs(joint), "seed \(seed): \(result.objective) vs \(joint)")
        let identities = networks[0].permutationSpec.groups.map { Permutation(identity: $0.size) }
        let star =
            try [identities]
            + networks.dropFirst().map {
                try ActivationMatching.align($0, to: networks[0], inputs: inputs, similarity: .correlation, parallelism: .serial)
            }
        let reference = Self.summedCorrelation(networks, star, inputs: inputs)
        let unaligned = Self.summedCorrelation(networks, Array(repeating: identities, count: count), inputs: inputs)
        #expect(joint >= reference - 1e-9 * abs(reference), "seed \(seed): joint \(joint), star \(reference)")
        #expect(reference > unaligned, "seed \(seed): the matching is trivial")
    }

    @Test("joint activation matching is bitwise identical for 1 and 2 threads")
    func threadCountDeterminism() throws {
        let networks = try MergeManyTests.independent(3, seed: 9, sizes: [20, 96, 96, 4])
        let inputs = Self.inputs(600)
        let serial = try ActivationMatching.alignJointly(
            networks, inputs: inputs, similarity: .correlation, maxSweeps: 100, parallelism: .serial)
        let parallel = try ActivationMatching.alignJointly(
            networks, inputs: inputs, similarity: .correlation, maxSweeps: 100, parallelism: Parallelism(threads: 2))
        #expect(serial.permutations == parallel.permutations)
        #expect(serial.objective.bitPattern == parallel.objective.bitPattern && serial.sweeps == parallel.sweeps)
    }
}

extension Network {
    /// An MLP's post-ReLU hidden activations by plain loops in Double: per hidden layer, per unit, one value
    /// per input (the statistic activation matching correlates).
    fileprivate func hiddenActivations(of inputs: Dataset.Split) -> [[[Double]]] {
        let tensors = Dictionary(namedTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let features = inputs.inputs.count / max(inputs.count, 1)
        var layer = (0..<inputs.count).map { r in (0..<features).map { Double(inputs.inputs[r * features + $0]) } }
        var result: [[[Double]]] = []
        var index = 1
        // Every linear layer but the last feeds a ReLU.
        while let weight = tensors["fc\(index).weight"], tensors["fc\(index + 1).weight"] != nil {
            let bias = tensors["fc\(index).bias"]
            let (out, fanIn) = (weight.shape[0], weight.shape[1])
            layer = layer.map { x in
                (0..<out).map { o in
                    var sum = Double(bias?.scalars[o] ?? 0)
                    for i in 0..<fanIn { sum += Double(weight.scalars[o * fanIn + i]) * x[i] }
                    return max(sum, 0)
                }
            }
            result.append((0..<out).map { o in layer.map { $0[o] } })
            index += 1
        }
        return result
    }
}
