import Foundation

/// Softmax cross-entropy on logits, with its gradient.
enum SoftmaxCrossEntropy {
    /// Per-example loss −log softmax(z)[label], computed stably in Double (max subtracted first), and
    /// whether the arg-max is wrong; ties go to the lowest class index.
    ///
    /// - Precondition: `label` is in `0..<classes` (the interpreter checks that a model's logits match its
    ///   dataset's classes; a label past them would read another example's logits).
    static func loss(logits: UnsafePointer<Float>, classes: Int, label: Int) -> (loss: Double, wrong: Bool) {
        precondition(label >= 0 && label < classes, "label \(label) outside the \(classes) classes")
        var best = 0
        var top = logits[0]
        for c in 1..<classes where logits[c] > top {
            top = logits[c]
            best = c
        }
        var sum = 0.0
        for c in 0..<classes { sum += exp(Double(logits[c]) - Double(top)) }
        let loss = log(sum) - (Double(logits[label]) - Double(top))
        // A NaN logit makes the comparison above false everywhere; count it as wrong so errors stay honest.
        return (loss, best != label || !top.isFinite)
    }

    /// Overwrites `logits` (`count` × classes) with dL/dz for the mean loss over a batch of `batch`
    /// examples: (softmax(z) − onehot(label)) / batch; writes each example's loss to `losses`.
    ///
    /// The examples are independent, so a batch may be taken a few examples at a time.
    static func lossAndGradient(
        logits: UnsafeMutablePointer<Float>, labels: UnsafePointer<Int32>, count: Int, batch: Int, classes: Int,
        losses: UnsafeMutablePointer<Double>
    ) {
        let scale = 1 / Double(batch)
        for r in 0..<count {
            let z = logits + r * classes
            let label = Int(labels[r])
            losses[r] = loss(logits: z, classes: classes, label: label).loss
            var top = z[0]
            for c in 1..<classes { top = max(top, z[c]) }
            var sum = 0.0
            for c in 0..<classes { sum += exp(Double(z[c]) - Double(top)) }
            for c in 0..<classes {
                let p = exp(Double(z[c]) - Double(top)) / sum
                z[c] = Float((p - (c == label ? 1 : 0)) * scale)
            }
        }
    }
}
