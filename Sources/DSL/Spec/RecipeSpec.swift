/// How a network is trained: SGD with momentum and weight decay, a learning-rate schedule and checkpoints.
public struct RecipeSpec: Sendable, Hashable, Codable {
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
    /// SGD momentum μ.
    public var momentum: Double
    /// L2 coefficient added to every parameter's gradient.
    public var weightDecay: Double
    /// Nesterov momentum.
    public var nesterov: Bool
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
