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

    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var batchSize: Int
    public var epochs: Int
    /// Linear warmup from zero to the peak over this many epochs (may be fractional).
    public var warmupEpochs: Double
    public var decay: Decay
    /// Steps at which weights are kept, besides the end of training.
    public var checkpoints: [Int]
}
