import Foundation

/// Optimizer, schedule and checkpoints for one training run.
public struct TrainingRecipe: Sendable, Hashable {
    /// Learning-rate shape after warmup.
    public enum Decay: Sendable, Hashable {
        case linear, cosine, none
    }

    /// The update rule.
    public enum Optimizer: Sendable, Hashable {
        /// SGD with momentum μ (PyTorch's `torch.optim.SGD`); the weight decay is an L2 term in the gradient.
        case sgd(momentum: Double, nesterov: Bool)
        /// Adam with decoupled weight decay (PyTorch's `torch.optim.AdamW`): moments' decay rates β₁, β₂
        /// and ε in the denominator.
        case adamW(beta1: Double, beta2: Double, epsilon: Double)
    }

    /// Peak learning rate, reached at the end of warmup.
    public var learningRate: Double
    /// The update rule.
    public var optimizer: Optimizer
    /// Weight decay λ: an L2 coefficient for SGD, decoupled (w ← w − η·λ·w) for AdamW.
    public var weightDecay: Double
    /// Examples per update.
    public var batchSize: Int
    /// Passes over the training split.
    public var epochs: Int
    /// Epochs of linear warmup from 0 (may be fractional).
    public var warmupEpochs: Double
    /// The shape after warmup.
    public var decay: Decay
    /// Steps (number of updates done) at which to keep the weights; the end is always kept.
    public var checkpoints: [Int]
    /// How each training example is randomly cropped and flipped; `.none` uses examples as stored.
    public var augmentation: Augmentation

    public init(
        learningRate: Double, optimizer: Optimizer, weightDecay: Double, batchSize: Int, epochs: Int,
        warmupEpochs: Double, decay: Decay, checkpoints: [Int], augmentation: Augmentation = .none
    ) {
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.weightDecay = weightDecay
        self.batchSize = batchSize
        self.epochs = epochs
        self.warmupEpochs = warmupEpochs
        self.decay = decay
        self.checkpoints = checkpoints
        self.augmentation = augmentation
    }

    /// Updates per epoch; the last batch of an epoch may be smaller.
    public func stepsPerEpoch(examples: Int) -> Int { (examples + batchSize - 1) / batchSize }

    /// The learning rate of update `step` (from 0) out of `total`: linear warmup from 0, then the decay.
    public func learningRate(step: Int, total: Int, stepsPerEpoch: Int) -> Double {
        let warmup = Int((warmupEpochs * Double(stepsPerEpoch)).rounded())
        if step < warmup { return learningRate * Double(step + 1) / Double(warmup) }
        let span = Double(max(total - warmup, 1))
        let t = Double(step - warmup)
        switch decay {
        case .none: return learningRate
        case .linear: return learningRate * (span - t) / span
        case .cosine: return learningRate * 0.5 * (1 + cos(Double.pi * t / span))
        }
    }
}
