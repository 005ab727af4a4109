/// Activation matching: pairs each hidden unit of B with the unit of A it resembles most.
///
/// Resemblance is measured on the activations both networks produce for the same inputs; one assignment
/// per hidden layer (Ainsworth, Hayase and Srinivasa 2023; Li, Yosinski, Clune, Lipson and Hopcroft 2015).
public enum ActivationMatching {
    /// How two units' activations are compared.
    public enum Similarity: Sendable, Hashable {
        /// Pearson correlation; a unit that never varies correlates 0 with everything.
        case correlation
        /// Uncentred cross-moment E[a·b].
        case crossMoment
    }

    /// Aligns `b` to `a` on `inputs`: the result π has π(b) ≈ a, one permutation per hidden layer.
    ///
    /// Activations are post-ReLU. Permutations of different layers are independent, since each layer's
    /// activations do not depend on how earlier layers are ordered.
    public static func align(
        _ b: MLP, to a: MLP, inputs: Dataset.Split, similarity: Similarity, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> [Permutation] {
        let actsA = a.hiddenActivations(inputs, parallelism: parallelism)
        let actsB = b.hiddenActivations(inputs, parallelism: parallelism)
        let widths = Array(a.sizes.dropFirst().dropLast())
        var result: [Permutation] = []
        for (h, width) in widths.enumerated() {
            let gain = similarityMatrix(
                actsA[h], actsB[h], samples: inputs.count, width: width,
                similarity: similarity, parallelism: parallelism)
            let assignment = try LinearAssignment.maximize(gain, n: width)
            result.append(Permutation(assignment) ?? Permutation(identity: width))
        }
        return result
    }

    /// The width × width matrix S[i][j] = similarity(unit i of A, unit j of B) over `samples` rows.
    static func similarityMatrix(
        _ x: [Float], _ y: [Float], samples: Int, width: Int, similarity: Similarity, parallelism: Parallelism
    ) -> [Double] {
        var x = x, y = y
        var scaleX = [Double](repeating: 1, count: width), scaleY = scaleX
        if similarity == .correlation {
            // Centre first (means in Double) so the Float32 product does not cancel catastrophically.
            scaleX = centre(&x, samples: samples, width: width)
            scaleY = centre(&y, samples: samples, width: width)
        }
        let product = Gemm.product(x, y, m: width, n: width, k: samples, transposeA: true, parallelism: parallelism)
        let n = Double(samples)
        return (0..<width * width).map { k in Double(product[k]) / n * scaleX[k / width] * scaleY[k % width] }
    }

    /// Subtracts each column's mean; returns 1/std per column (0 for a constant column).
    private static func centre(_ m: inout [Float], samples: Int, width: Int) -> [Double] {
        var mean = [Double](repeating: 0, count: width)
        for s in 0..<samples { for j in 0..<width { mean[j] += Double(m[s * width + j]) } }
        for j in 0..<width { mean[j] /= Double(samples) }
        var variance = [Double](repeating: 0, count: width)
        for s in 0..<samples {
            for j in 0..<width {
                let d = Double(m[s * width + j]) - mean[j]
                m[s * width + j] = Float(d)
                variance[j] += d * d
            }
        }
        return variance.map { v in
            let std = (v / Double(samples)).squareRoot()
            return std > 1e-12 ? 1 / std : 0
        }
    }
}
