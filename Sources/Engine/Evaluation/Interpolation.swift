/// Straight paths between networks and the barriers along them.
public enum Interpolation {
    /// θ(α) = (1−α)·θ_A + α·θ_B, every tensor elementwise, biases included.
    ///
    /// - Precondition: both networks have the same sizes.
    public static func point(_ a: MLP, _ b: MLP, alpha: Double) -> MLP {
        precondition(a.sizes == b.sizes)
        let wa = Float(1 - alpha), wb = Float(alpha)
        func mix(_ x: Tensor, _ y: Tensor) -> Tensor {
            Tensor(shape: x.shape, scalars: zip(x.scalars, y.scalars).map { wa * $0 + wb * $1 })
        }
        return MLP(
            layers: zip(a.layers, b.layers).map { MLP.Layer(weight: mix($0.weight, $1.weight), bias: mix($0.bias, $1.bias)) })
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
    /// - Precondition: the networks have the same sizes and there is one weight per network.
    public static func combination(_ networks: [MLP], weights: [Double]) -> MLP {
        precondition(!networks.isEmpty && networks.count == weights.count)
        precondition(networks.allSatisfy { $0.sizes == networks[0].sizes })
        let w = weights.map(Float.init)
        func mix(_ tensors: [Tensor]) -> Tensor {
            var scalars = [Float](repeating: 0, count: tensors[0].count)
            for (tensor, weight) in zip(tensors, w) {
                for i in scalars.indices { scalars[i] += weight * tensor.scalars[i] }
            }
            return Tensor(shape: tensors[0].shape, scalars: scalars)
        }
        return MLP(
            layers: networks[0].layers.indices.map { l in
                MLP.Layer(weight: mix(networks.map { $0.layers[l].weight }), bias: mix(networks.map { $0.layers[l].bias }))
            })
    }

    /// The 3-way barrier: max over λ of [ f(λ) − Σ_i λ_i·f(e_i) ], f(e_i) the values at the vertices.
    ///
    /// - Precondition: `points` include the three vertices and match `values` in length.
    public static func simplexBarrier(points: [[Double]], values: [Double]) -> Double {
        precondition(points.count == values.count)
        let vertices = (0..<3).map { i in
            zip(points, values).first { point, _ in point[i] == 1 }?.1 ?? .nan
        }
        var worst = -Double.infinity
        for (point, value) in zip(points, values) {
            worst = max(worst, value - zip(point, vertices).reduce(0) { $0 + $1.0 * $1.1 })
        }
        return worst
    }
}
