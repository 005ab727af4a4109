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

extension MLP {
    /// Loss and error on a split.
    ///
    /// Per-example losses are summed in Double in example order, so the result does not depend on `batchSize` or the
    /// thread count.
    public func measure(on split: Dataset.Split, batchSize: Int = 1000, parallelism: Parallelism) -> Metrics {
        let classes = sizes.last ?? 0
        var loss = 0.0
        var wrong = 0
        split.inputs.withUnsafeBufferPointer { x in
            guard let x = x.baseAddress else { return }
            forEachBatch(inputs: x, count: split.count, batchSize: batchSize, parallelism: parallelism) { start, rows, outputs in
                let logits = outputs[outputs.count - 1]
                for r in 0..<rows {
                    let result = SoftmaxCrossEntropy.loss(
                        logits: logits + r * classes, classes: classes,
                        label: Int(split.labels[start + r]))
                    loss += result.loss
                    if result.wrong { wrong += 1 }
                }
            }
        }
        let n = Double(max(split.count, 1))
        return Metrics(loss: loss / n, error: Double(wrong) / n)
    }
}
