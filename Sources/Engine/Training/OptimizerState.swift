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

    /// Elements per piece of an update: pieces depend on the count alone, and each element's update on
    /// that element alone, so the split cannot change a bit.
    static let piece = 1 << 14

    /// One update of `weights` from `gradients` (both `count` long), in fixed pieces run in parallel.
    ///
    /// - Parameter keep: when given (`count` long), each gradient is multiplied by it first: a pruning
    ///   mask, applied inside the update's one pass over the parameters.
    package func update(
        weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, keep: [Float]? = nil,
        learningRate: Double, weightDecay: Double, parallelism: Parallelism
    ) {
        precondition(keep.map { $0.count == self.count } ?? true, "the mask does not cover the parameters")
        steps += 1
        let (count, step, optimizer) = (count, steps, optimizer)
        let (w, g) = (SharedPointer(base: weights), SharedReadPointer(base: gradients))
        let (m, v) = (SharedPointer(base: first), SharedPointer(base: second))
        if let keep {
            keep.withUnsafeBufferPointer { run($0.baseAddress.map { SharedReadPointer(base: $0) }) }
        } else {
            run(nil)
        }
        func run(_ k: SharedReadPointer<Float>?) {
            parallelism.forEach((count + Self.piece - 1) / Self.piece) { p in
                let start = p * Self.piece, n = min(Self.piece, count - start)
                let keep = k.map { $0.base + start }
                switch optimizer {
                case .sgd(let momentum, let nesterov):
                    SGD.update(
                        weights: w.base + start, gradients: g.base + start, keep: keep, velocity: m.base + start,
                        count: n, learningRate: Float(learningRate), momentum: Float(momentum),
                        weightDecay: Float(weightDecay), nesterov: nesterov)
                case .adamW(let beta1, let beta2, let epsilon):
                    AdamW.update(
                        weights: w.base + start, gradients: g.base + start, keep: keep, first: m.base + start,
                        second: v.base + start, count: n, step: step, learningRate: learningRate, beta1: beta1,
                        beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
                }
            }
        }
    }
}
