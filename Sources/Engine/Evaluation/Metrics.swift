/// Mean loss and error of a network on a set of examples (named to avoid Foundation.Measurement).
public struct Metrics: Sendable, Hashable, Codable {
    /// Mean softmax cross-entropy.
    public var loss: Double
    /// Fraction of examples whose arg-max logit is not the label.
    public var error: Double

    public init(loss: Double, error: Double) {
        self.loss = loss
        self.error = error
    }
}
