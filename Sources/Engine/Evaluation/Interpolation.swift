/// Straight paths between networks and the barriers along them.
public enum Interpolation {
    /// θ(α) = (1−α)·θ_A + α·θ_B, every tensor elementwise (biases, norm parameters and running
    /// statistics included; reset the statistics for BatchNorm).
    ///
    /// - Precondition: both networks have one architecture.
    public static func point(_ a: Network, _ b: Network, alpha: Double) -> Network {
        combination([a, b], weights: [1 - alpha, alpha])
    }

    /// The barrier of a curve: max over α of [ f(α) − ((1−α)·f(0) + α·f(1)) ], with f(0), f(1) the curve's ends.
    ///
    /// Not averaged, not normalised; never below 0 because the ends contribute 0.
    /// - Precondition: `alphas` ascend from 0 to 1 and match `values` in length.
    public static func barrier(alphas: [Double], values: [Double]) -> Double {
        precondition(alphas.count == values.count && alphas.count >= 2)
        guard let first = values.first, let last = values.last else { return 0 }
        var worst = -Double.infinity
        for (alpha, value) in zip(alphas, values) {
            worst = max(worst, value - ((1 - alpha) * first + alpha * last))
        }
        return worst
    }

    /// θ(λ) = Σ_i λ_i·θ_i, every tensor elementwise: a point of the simplex spanned by the networks.
    ///
    /// - Precondition: the networks have one architecture and there is one weight per network.
    public static func combination(_ networks: [Network], weights: [Double]) -> Network {
        precondition(!networks.isEmpty && networks.count == weights.count)
        precondition(networks.allSatisfy { $0.isCompatible(with: networks[0]) })
        let w = weights.map(Float.init)
        var tensors: [String: Tensor] = [:]
        for (name, first) in networks[0].tensors {
            var scalars = [Float](repeating: 0, count: first.count)
            for (network, weight) in zip(networks, w) {
                guard let tensor = network.tensors[name] else { continue }
                precondition(tensor.count == scalars.count, "\(name) has the wrong size")
                tensor.scalars.withUnsafeBufferPointer { x in
                    scalars.withUnsafeMutableBufferPointer { y in
                        if let xs = x.baseAddress, let ys = y.baseAddress { accumulate(weight, xs, into: ys, count: y.count) }
                    }
                }
            }
            tensors[name] = Tensor(shape: first.shape, scalars: scalars)
        }
        return Network(program: networks[0].program, tensors: tensors)
    }

    /// y += w·x elementwise: the one step every mix of networks (or of their first layers' outputs) is
    /// summed with, so that mixes made in different places agree bit for bit.
    @inline(__always)
    static func accumulate(_ w: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += w * x[i] }
    }

    /// Loss and error on each split at every point Σ_i w_i·θ_i of `points` (one weight per network), as
    /// `result[split][point]`.
    ///
    /// With `prepare` (a BatchNorm reset, REPAIR), each point is made, passed through it with its weights
    /// and measured. Without, when the first layer with parameters is a linear layer, its output at every
    /// point is Σ_i w_i·(x·W_iᵀ + b_i): the ends' products are computed once per batch and serve every
    /// point (`measure(_:sharingOutputOf:…)`), which differs from multiplying by the mixed weights only
    /// in float rounding.
    ///
    /// - Precondition: the networks have one architecture and each point has one weight per network.
    public static func measure(
        _ ends: [Network], at points: [[Double]], on splits: [Dataset.Split], batchSize: Int, parallelism: Parallelism,
        prepare: ((Network, [Double]) -> Network)? = nil
    ) -> [[Metrics]] {
        precondition(!ends.isEmpty && points.allSatisfy { $0.count == ends.count })
        precondition(ends.allSatisfy { $0.isCompatible(with: ends[0]) })
        if prepare == nil, let first = sharedFirstLayer(ends[0].program) {
            return measure(
                ends, sharingOutputOf: first, at: points, on: splits,
                rowsPerPass: rowsPerPass(ends[0].program, batchSize: batchSize), parallelism: parallelism)
        }
        var values = [[Metrics]](repeating: [], count: splits.count)
        for weights in points {
            let mixed = combination(ends, weights: weights)
            let point = prepare.map { $0(mixed, weights) } ?? mixed
            for (s, split) in splits.enumerated() {
                values[s].append(point.measure(on: split, batchSize: batchSize, parallelism: parallelism))
            }
        }
        return values
    }

    /// The N-way barrier: max over λ of [ f(λ) − Σ_i λ_i·f(e_i) ], f(e_i) the values at the vertices.
    ///
    /// - Precondition: `points` include the N vertices and match `values` in length.
    public static func simplexBarrier(points: [[Double]], values: [Double]) -> Double {
        precondition(points.count == values.count)
        let corners = points.first?.count ?? 0
        var vertices = [Double](repeating: .nan, count: corners)
        for i in 0..<corners {
            if let k = points.firstIndex(where: { $0[i] == 1 }) { vertices[i] = values[k] }
        }
        var worst = -Double.infinity
        for (point, value) in zip(points, values) {
            var chord = 0.0
            for i in 0..<corners { chord += point[i] * vertices[i] }
            worst = max(worst, value - chord)
        }
        return worst
    }
}
