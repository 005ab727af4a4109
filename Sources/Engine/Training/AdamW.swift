import Foundation

/// Adam with decoupled weight decay, as PyTorch's `torch.optim.AdamW` computes it (amsgrad off), at update
/// t (from 1): w ← w·(1 − η·λ); m ← m + (1 − β₁)(g − m); v ← β₂·v + (1 − β₂)·g²;
/// w ← w − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
enum AdamW {
    /// One update of `count` parameters in place, each gradient first multiplied by `keep` when given.
    ///
    /// Elementwise, so order cannot change the result; the scalars are formed in Double, as Python forms them.
    static func update(
        weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, keep: UnsafePointer<Float>?,
        first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>, count: Int, step: Int,
        learningRate: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    ) {
        let decay = Float(1 - learningRate * weightDecay)
        let stepSize = Float(learningRate / (1 - pow(beta1, Double(step))))
        let correction = Float((1 - pow(beta2, Double(step))).squareRoot())
        let a1 = Float(1 - beta1), b2 = Float(beta2), a2 = Float(1 - beta2), eps = Float(epsilon)
        if let keep { run { gradients[$0] * keep[$0] } } else { run { gradients[$0] } }
        @inline(__always) func run(_ gradient: (Int) -> Float) {
            for i in 0..<count {
                let g = gradient(i)
                let m = first[i] + a1 * (g - first[i])
                let v = second[i] * b2 + a2 * g * g
                first[i] = m
                second[i] = v
                weights[i] = weights[i] * decay - stepSize * (m / (v.squareRoot() / correction + eps))
            }
        }
    }
}
