/// How networks and paths are measured.
public struct EvaluationSpec: Sendable, Hashable, Codable {
    /// A data split.
    public enum Split: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case train, test
        /// Train before test, the order of `allCases`.
        public static func < (lhs: Split, rhs: Split) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// A quantity measured on a split.
    public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
        /// Mean softmax cross-entropy.
        case loss
        /// Mean 0-1 error, a fraction.
        case error
    }

    /// One split to evaluate on: the first `count` examples, or all of them when `count` is nil.
    public struct SplitSize: Sendable, Hashable, Codable {
        /// Which split.
        public var split: Split
        /// How many of its first examples; nil for all.
        public var count: Int?
    }

    /// The α grid, ascending, from 0 to 1 inclusive.
    public var alphas: [Double]
    /// Splits in a fixed order (train before test).
    public var splits: [SplitSize]
    /// Which metrics to record, in a fixed order (loss, error).
    public var metrics: [Metric]
    /// Examples per forward pass; affects speed only.
    public var batchSize: Int
    /// Steps per edge of the triangular grid on which three-network interpolations are measured.
    public var simplexDivisions = 6
    /// For BatchNorm models: training examples whose batch statistics replace the running statistics of
    /// every interpolated network before it is measured (0: keep the interpolated statistics).
    public var batchNormReset = 5000
    /// Training examples on which REPAIR measures the endpoints and each point of a path that asks for it
    /// (held in memory at once, with all their activations).
    public var repairExamples = 2000

    /// The defaults of the science protocol: 25 alphas, 10,000 training examples and the whole test set.
    public static let standard = EvaluationSpec(
        alphas: uniformGrid(25),
        splits: [SplitSize(split: .train, count: 10_000), SplitSize(split: .test, count: nil)],
        metrics: [.loss, .error],
        batchSize: 500
    )

    /// The triangular grid of the 2-simplex with `divisions` steps per edge: every (i, j, k)/divisions with
    /// i + j + k = divisions, vertices included; (divisions + 1)(divisions + 2)/2 points.
    public static func simplexGrid(_ divisions: Int) -> [[Double]] {
        var points: [[Double]] = []
        for i in stride(from: divisions, through: 0, by: -1) {
            for j in stride(from: divisions - i, through: 0, by: -1) {
                points.append([Double(i), Double(j), Double(divisions - i - j)].map { $0 / Double(divisions) })
            }
        }
        return points
    }

    /// `count` evenly spaced values from 0 to 1, both ends included.
    public static func uniformGrid(_ count: Int) -> [Double] {
        (0..<count).map { Double($0) / Double(count - 1) }
    }
}
