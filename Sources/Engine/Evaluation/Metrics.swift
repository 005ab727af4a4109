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

/// Loss and mistakes summed over examples in example order (Double), so the mean does not depend on
/// batch sizes, thread counts or the order points of a path are measured in.
struct MetricsTally {
    private var loss = 0.0
    private var wrong = 0

    /// Adds `rows` examples whose logits are at `logits` (`rows × classes`) and labels at `labels[start...]`.
    mutating func add(logits: UnsafePointer<Float>, rows: Int, classes: Int, labels: [Int32], start: Int) {
        for r in 0..<rows {
            let result = SoftmaxCrossEntropy.loss(logits: logits + r * classes, classes: classes, label: Int(labels[start + r]))
            loss += result.loss
            if result.wrong { wrong += 1 }
        }
    }

    /// The means over `count` examples.
    func metrics(count: Int) -> Metrics {
        let n = Double(max(count, 1))
        return Metrics(loss: loss / n, error: Double(wrong) / n)
    }
}
