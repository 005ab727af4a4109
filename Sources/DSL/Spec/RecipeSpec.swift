/// How a network is trained: an optimizer (SGD with momentum, or AdamW) with weight decay, a learning-rate
/// schedule and checkpoints.
public struct RecipeSpec: Sendable, Hashable, Codable {
    /// The update rule (`optimizer: {sgd: …}` or `optimizer: {adamw: …}`).
    public enum Optimizer: Sendable, Hashable {
        /// SGD with momentum (PyTorch's `torch.optim.SGD`); the weight decay is an L2 term in the gradient.
        case sgd(momentum: Double, nesterov: Bool)
        /// PyTorch's `torch.optim.AdamW`: decay rates β₁, β₂ of the moments, ε in the denominator; the weight
        /// decay is decoupled from the gradient.
        case adamW(beta1: Double, beta2: Double, epsilon: Double)
    }

    /// The shape of the learning rate after warmup.
    public enum Decay: String, Sendable, Hashable, Codable, CaseIterable {
        /// Linear to zero at the last step.
        case linear
        /// Half a cosine to zero at the last step.
        case cosine
        /// Constant at the peak.
        case none
    }

    /// Peak learning rate, reached at the end of warmup.
    public var learningRate: Double
    /// The update rule.
    public var optimizer: Optimizer
    /// Weight decay: an L2 coefficient added to every parameter's gradient for SGD, decoupled for AdamW.
    public var weightDecay: Double
    /// Examples per update; the last batch of an epoch may be smaller.
    public var batchSize: Int
    /// Passes over the training split.
    public var epochs: Int
    /// Linear warmup from zero to the peak over this many epochs (may be fractional).
    public var warmupEpochs: Double
    /// The shape after warmup.
    public var decay: Decay
    /// Steps at which weights are kept, besides the end of training.
    public var checkpoints: [Int]
    /// Random crops and flips of training examples; nil for none.
    ///
    /// Nil also when written as changing nothing (`augment: {}`, crop 0 without flip), and then left out
    /// of the encoding, so such a recipe keeps the cache keys of one without `augment`.
    public var augmentation: Augmentation?

    /// torchvision's `RandomCrop(size, padding: crop)` then `RandomHorizontalFlip()`, on training examples.
    public struct Augmentation: Sendable, Hashable, Codable {
        /// Pixels of zero padding on each side; the crop's offset is uniform in 0...2·crop in each direction.
        public var crop: Int
        /// Whether each example is mirrored left to right with probability 1/2.
        public var flip: Bool

        public init(crop: Int, flip: Bool) {
            self.crop = crop
            self.flip = flip
        }
    }
}

extension RecipeSpec {
    private enum CodingKeys: String, CodingKey {
        case learningRate, momentum, nesterov, adamW, weightDecay, batchSize, epochs, warmupEpochs, decay, checkpoints
        case augmentation
    }

    private enum AdamWKeys: String, CodingKey { case beta1, beta2, epsilon }

    /// SGD encodes as its two fields beside the others (as before optimizers were a choice, so every SGD
    /// recipe keeps its cache keys); AdamW as one `adamW` object.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(learningRate, forKey: .learningRate)
        switch optimizer {
        case .sgd(let momentum, let nesterov):
            try c.encode(momentum, forKey: .momentum)
            try c.encode(nesterov, forKey: .nesterov)
        case .adamW(let beta1, let beta2, let epsilon):
            var adam = c.nestedContainer(keyedBy: AdamWKeys.self, forKey: .adamW)
            try adam.encode(beta1, forKey: .beta1)
            try adam.encode(beta2, forKey: .beta2)
            try adam.encode(epsilon, forKey: .epsilon)
        }
        try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(warmupEpochs, forKey: .warmupEpochs)
        try c.encode(decay, forKey: .decay)
        try c.encode(checkpoints, forKey: .checkpoints)
        try c.encodeIfPresent(augmentation, forKey: .augmentation)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        if c.contains(.adamW) {
            let adam = try c.nestedContainer(keyedBy: AdamWKeys.self, forKey: .adamW)
            optimizer = .adamW(
                beta1: try adam.decode(Double.self, forKey: .beta1), beta2: try adam.decode(Double.self, forKey: .beta2),
                epsilon: try adam.decode(Double.self, forKey: .epsilon))
        } else {
            optimizer = .sgd(
                momentum: try c.decode(Double.self, forKey: .momentum), nesterov: try c.decode(Bool.self, forKey: .nesterov))
        }
        weightDecay = try c.decode(Double.self, forKey: .weightDecay)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        warmupEpochs = try c.decode(Double.self, forKey: .warmupEpochs)
        decay = try c.decode(Decay.self, forKey: .decay)
        checkpoints = try c.decode([Int].self, forKey: .checkpoints)
        augmentation = try c.decodeIfPresent(Augmentation.self, forKey: .augmentation)
    }
}
