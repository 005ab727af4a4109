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
}
