/// What an optimizer remembers between updates of one set of parameters.
///
/// SGD's velocity, or AdamW's two moments and the number of updates so far. Starts empty (zero moments),
/// as a fresh PyTorch optimizer does.
package final class OptimizerState {
    let optimizer: TrainingRecipe.Optimizer
    let count: Int
    /// SGD's velocity, or Adam's first moment.
    private let first: UnsafeMutablePointer<Float>
    /// Adam's second moment (empty for SGD).
    private let second: UnsafeMutablePointer<Float>
    private var steps = 0

    package init(_ optimizer: TrainingRecipe.Optimizer, count: Int) {
        self.optimizer = optimizer
        self.count = count
        first = .allocate(capacity: count)
        first.initialize(repeating: 0, count: count)
        let secondCount = if case .adamW = optimizer { count } else { 0 }
        second = .allocate(capacity: secondCount)
        second.initialize(repeating: 0, count: secondCount)
    }

    deinit {
        first.deallocate()
        second.deallocate()
    }

    /// One update of `weights` from `gradients` (both `count` long).
    package func update(
        weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, learningRate: Double, weightDecay: Double
    ) {
        steps += 1
        switch optimizer {
        case .sgd(let momentum, let nesterov):
            SGD.update(
                weights: weights, gradients: gradients, velocity: first, count: count, learningRate: Float(learningRate),
                momentum: Float(momentum), weightDecay: Float(weightDecay), nesterov: nesterov)
        case .adamW(let beta1, let beta2, let epsilon):
            AdamW.update(
                weights: weights, gradients: gradients, first: first, second: second, count: count, step: steps,
                learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        }
    }
}
