import Foundation

/// Numbers as people read them in `summary.json` and the CSV files.
///
/// No float noise, no digits the measurement does not support. The cache keeps full precision; only what
/// is written for people is rounded.
package enum ReadableNumber {
    /// A mean loss to 6 significant digits.
    package static func loss(_ value: Double) -> Double { significant(value, 6) }

    /// An error, or a difference of errors, to 10 significant digits: an error over N examples is a
    /// multiple of 1/N, exact at that precision for any N a CPU evaluates, while the float noise of the
    /// barrier's arithmetic (`0.20814999999999997`) goes, and so does a difference below 1e-12 (weights of
    /// a simplex point that do not sum to 1 exactly leave `6.9e-18` where the errors are equal).
    package static func error(_ value: Double) -> Double { abs(value) < 1e-12 ? 0 : significant(value, 10) }

    private static func significant(_ value: Double, _ digits: Int) -> Double {
        guard value.isFinite, value != 0 else { return value }
        return Double(String(format: "%.\(digits - 1)e", value)) ?? value
    }
}

extension Summary {
    /// The summary as people read it.
    ///
    /// For `summary.json`, the CSV files and `lmc run --json`: losses to 6 significant digits, errors
    /// without float noise. Tables and reports format the full-precision values.
    var readable: Summary {
        var copy = self
        copy.networks = networks.mapValues { $0.mapValues { $0.readable } }
        copy.interpolations = interpolations.mapValues { result in
            var r = result
            r.splits = result.splits?.mapValues(\.readable)
            r.pairs = result.pairs?.map { pair in
                var p = pair
                p.splits = pair.splits?.mapValues(\.readable)
                return p
            }
            r.points = result.points?.map { point in
                var p = point
                p.splits = point.splits.mapValues(\.readable)
                return p
            }
            return r
        }
        copy.barriers = barriers.map { record in
            var b = record
            b.lossBarrier = record.lossBarrier.map(ReadableNumber.loss)
            b.errorBarrier = record.errorBarrier.map(ReadableNumber.error)
            b.centroidError = record.centroidError.map(ReadableNumber.error)
            b.centroidExcessLoss = record.centroidExcessLoss.map(ReadableNumber.loss)
            b.centroidExcessError = record.centroidExcessError.map(ReadableNumber.error)
            return b
        }
        copy.cycles = cycles?.map { cycle in
            var c = cycle
            c.fixed = ReadableNumber.error(cycle.fixed)
            c.groups = cycle.groups.mapValues(ReadableNumber.error)
            return c
        }
        return copy
    }
}

extension Summary.SplitMetrics {
    var readable: Self { Self(loss: loss.map(ReadableNumber.loss), error: error.map(ReadableNumber.error)) }
}

extension Summary.SplitCurve {
    var readable: Self {
        var c = self
        c.loss = loss?.map(ReadableNumber.loss)
        c.error = error?.map(ReadableNumber.error)
        c.lossBarrier = lossBarrier.map(ReadableNumber.loss)
        c.errorBarrier = errorBarrier.map(ReadableNumber.error)
        c.centroidLoss = centroidLoss.map(ReadableNumber.loss)
        c.centroidError = centroidError.map(ReadableNumber.error)
        c.centroidExcessLoss = centroidExcessLoss.map(ReadableNumber.loss)
        c.centroidExcessError = centroidExcessError.map(ReadableNumber.error)
        return c
    }
}
