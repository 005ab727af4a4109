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
}
