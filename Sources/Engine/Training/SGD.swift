/// Stochastic gradient descent with momentum and decoupled-from-nothing (L2) weight decay, as PyTorch's
/// `torch.optim.SGD` defines it (dampening 0): g ← ∇ + λ·w; v ← μ·v + g; w ← w − η·(g + μ·v if Nesterov, else v).
enum SGD {
    /// One update of `count` parameters in place, each gradient first multiplied by `keep` when given.
    ///
    /// Elementwise, so order cannot change the result.
    static func update(
        weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, keep: UnsafePointer<Float>?,
        velocity: UnsafeMutablePointer<Float>, count: Int, learningRate: Float, momentum: Float, weightDecay: Float,
        nesterov: Bool
    ) {
        // One loop per form of the gradient, each specialised.
        if let keep { run { gradients[$0] * keep[$0] } } else { run { gradients[$0] } }
        @inline(__always) func run(_ gradient: (Int) -> Float) {
            for i in 0..<count {
                let g = gradient(i) + weightDecay * weights[i]
                let v = momentum * velocity[i] + g
                velocity[i] = v
                weights[i] -= learningRate * (nesterov ? g + momentum * v : v)
            }
        }
    }
}
