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

    /// Aligns `b` to `a` on `inputs`: the result π has π(b) ≈ a, one permutation per group of
    /// `permutationSpec`.
    ///
    /// Every spatial position of every image is a sample (an MLP's hidden layers have one position). A group's similarity is taken on the ReLU
    /// outputs it indexes; a residual stream's (the stem's output and each block's output after the
    /// addition and ReLU) are averaged, then solved as one assignment. Statistics accumulate batch by
    /// batch (co-moments combined exactly, in batch order), so nothing depends on the thread count.
    public static func align(
        _ b: Network, to a: Network, inputs: Dataset.Split, similarity: Similarity, batchSize: Int = 250,
        parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> [Permutation] {
        let program = a.program
        let (spec, activations) = program.channelGroups
        var moments: [Int: CoMoments] = [:]
        for buffers in activations {
            for buffer in buffers { moments[buffer] = CoMoments(width: program.buffers[buffer].channels) }
        }
        let features = a.architecture.input.features
        let stateA = NetworkState(network: a, batchCapacity: max(1, min(batchSize, inputs.count)), training: false)
        let stateB = NetworkState(network: b, batchCapacity: max(1, min(batchSize, inputs.count)), training: false)
        inputs.inputs.withUnsafeBufferPointer { x in
            guard let x = x.baseAddress else { return }
            for start in stride(from: 0, to: inputs.count, by: batchSize) {
                let rows = min(batchSize, inputs.count - start)
                for state in [stateA, stateB] {
                    state.batchInputs.update(from: x + start * features, count: rows * features)
                    state.forward(batch: rows, training: false, parallelism: parallelism)
                }
                for (buffer, _) in moments.sorted(by: { $0.key < $1.key }) {
                    let count = rows * program.buffers[buffer].height * program.buffers[buffer].width
                    moments[buffer]?.add(
                        stateA.activations[buffer], stateB.activations[buffer], rows: count, parallelism: parallelism)
                }
            }
        }
        let gains = zip(spec.groups, activations).map { group, buffers in
            var gain = [Double](repeating: 0, count: group.size * group.size)
            for buffer in buffers {
                guard let m = moments[buffer] else { continue }
                let s = m.similarity(similarity)
                for k in gain.indices { gain[k] += s[k] / Double(buffers.count) }
            }
            return gain
        }
        var result = spec.groups.map { Permutation(identity: $0.size) }
        for set in spec.solveSets {
            let assignments = try spec.assignments(maximizing: set.map { gains[$0] }, set: set)
            for (g, assignment) in zip(set, assignments) {
                result[g] = Permutation(assignment) ?? Permutation(identity: spec.groups[g].size)
            }
        }
        return result
    }

    /// Running means and co-moments of two activation matrices with the same columns, combined batch by
    /// batch with the pairwise update of Chan, Golub and LeVeque (centred products, so no cancellation).
    struct CoMoments {
        let width: Int
        var count = 0.0
        var meanA: [Double]
        var meanB: [Double]
        /// Σ (a_i − mean_a,i)(b_j − mean_b,j), row-major width × width.
        var cross: [Double]
        var squaresA: [Double]
        var squaresB: [Double]

        init(width: Int) {
            self.width = width
            meanA = [Double](repeating: 0, count: width)
            meanB = meanA
            squaresA = meanA
            squaresB = meanA
            cross = [Double](repeating: 0, count: width * width)
        }

        mutating func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, parallelism: Parallelism) {
            guard rows > 0 else { return }
            let (centredA, batchMeanA, batchSquaresA) = Self.centred(a, rows: rows, width: width)
            let (centredB, batchMeanB, batchSquaresB) = Self.centred(b, rows: rows, width: width)
            let product = Gemm.product(
                centredA, centredB, m: width, n: width, k: rows, transposeA: true, parallelism: parallelism)
            let m = Double(rows), total = count + m
            let weight = count * m / total
            let deltaA = (0..<width).map { batchMeanA[$0] - meanA[$0] }
            let deltaB = (0..<width).map { batchMeanB[$0] - meanB[$0] }
            for i in 0..<width {
                for j in 0..<width { cross[i * width + j] += Double(product[i * width + j]) + weight * deltaA[i] * deltaB[j] }
                squaresA[i] += batchSquaresA[i] + weight * deltaA[i] * deltaA[i]
                squaresB[i] += batchSquaresB[i] + weight * deltaB[i] * deltaB[i]
                meanA[i] += deltaA[i] * m / total
                meanB[i] += deltaB[i] * m / total
            }
            count = total
        }

        /// Pearson correlation (0 for a column that never varies), or the uncentred cross-moment E[a·b].
        func similarity(_ kind: Similarity) -> [Double] {
            (0..<width * width).map { k in
                let (i, j) = (k / width, k % width)
                switch kind {
                case .correlation:
                    let scale = (squaresA[i] * squaresB[j]).squareRoot()
                    return scale > 1e-24 ? cross[k] / scale : 0
                case .crossMoment:
                    return cross[k] / max(count, 1) + meanA[i] * meanB[j]
                }
            }
        }

        /// The rows with each column's batch mean subtracted, the means, and the centred sums of squares.
        private static func centred(_ x: UnsafePointer<Float>, rows: Int, width: Int) -> ([Float], [Double], [Double]) {
            var mean = [Double](repeating: 0, count: width)
            for r in 0..<rows { for j in 0..<width { mean[j] += Double(x[r * width + j]) } }
            for j in 0..<width { mean[j] /= Double(rows) }
            var centred = [Float](repeating: 0, count: rows * width)
            var squares = [Double](repeating: 0, count: width)
            for r in 0..<rows {
                for j in 0..<width {
                    let d = Double(x[r * width + j]) - mean[j]
                    centred[r * width + j] = Float(d)
                    squares[j] += d * d
                }
            }
            return (centred, mean, squares)
        }
    }
}
