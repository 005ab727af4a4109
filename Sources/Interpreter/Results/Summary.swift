import DSL

/// The results of a run: `results/<name>/summary.json`, and what `lmc run --json` prints.
///
/// Field names are a contract relied on by tools outside lmc (see `grammar/README.md`, Results).
public struct Summary: Codable, Sendable {
    /// The spec's `name`.
    public var experiment: String
    /// The spec file as given on the command line.
    public var spec: String
    /// How many steps the plan has and how each fared in this run.
    public var nodes: NodeCounts
    /// Endpoint measurements: network → split → metrics.
    public var networks: [String: [String: SplitMetrics]]
    /// Per interpolation: its alphas, curves and barriers.
    public var interpolations: [String: InterpolationResult]
    /// One flat record per measured barrier.
    public var barriers: [BarrierRecord]
    /// Steps that failed in this run, with the reason.
    public var failures: [Failure]
    /// What the numbers are: every `loss` a mean cross-entropy, every `error` a fraction (0.09 is 9 points).
    public var units: [String: String]? = Summary.unitNames

    /// The units `summary.json` states.
    public static let unitNames = [
        "loss": "mean softmax cross-entropy in nats (6 significant digits)",
        "error": "fraction of examples misclassified, 0 to 1: 0.09 is 9 points (exact multiples of 1/examples)",
        "loss_barrier": "largest loss above the straight line between the ends, in the loss's unit",
        "error_barrier": "largest error above the straight line between the ends, as a fraction (0.09 is 9 points)",
    ]

    /// Step counts of one run: `computed + cached + failed == total`.
    public struct NodeCounts: Codable, Sendable {
        /// Steps in the plan.
        public var total: Int
        /// Steps computed by this run.
        public var computed: Int
        /// Steps whose results came from the cache.
        public var cached: Int
        /// Steps that failed, or could not run because an input failed.
        public var failed: Int
    }

    /// Mean loss and error of a network on one split; a metric not requested is absent.
    public struct SplitMetrics: Codable, Sendable {
        /// Mean cross-entropy.
        public var loss: Double?
        /// Mean 0-1 error, a fraction.
        public var error: Double?
    }

    /// One interpolation: the two networks, how the second was permuted, and per-split curves.
    ///
    /// An interpolation over several moments or permutations (`at:`) has `points` instead of
    /// `permutation` and `splits`: one per (permutation, training step) pair.
    public struct InterpolationResult: Codable, Sendable {
        /// The two networks, in the order of the spec (α = 0 is the first).
        public var between: [String]
        /// `identity`, or `<alignment>@end`.
        public var permutation: String?
        /// The α grid, from 0 to 1.
        public var alphas: [Double]
        /// Per split, the curves and their barriers.
        public var splits: [String: SplitCurve]?
        /// For a series: every measured point.
        public var points: [Point]?
        /// For three networks: the barycentric weights of each measured point (`alphas` is then empty).
        public var lambdas: [[Double]]?
    }

    /// One path of a series: both networks at training step `step`, the second permuted by `permutation`.
    public struct Point: Codable, Sendable {
        /// Updates both networks had done at this point (the end is its final step count); nil for levels.
        public var step: Int?
        /// For pruning sequences: the level (0 is dense) and the fraction of prunable weights kept.
        public var level: Int?
        public var density: Double?
        /// `identity`, or `<alignment>@end` / `<alignment>@step=25`.
        public var permutation: String
        /// Per split, the curves and their barriers.
        public var splits: [String: SplitCurve]
    }

    /// Curves over the α grid on one split, and their barriers.
    public struct SplitCurve: Codable, Sendable {
        /// Mean cross-entropy at each α.
        public var loss: [Double]?
        /// Mean 0-1 error (a fraction) at each α.
        public var error: [Double]?
        /// max over α of the loss above the chord between the endpoints.
        public var lossBarrier: Double?
        /// max over α of the error above the chord between the endpoints (a fraction).
        public var errorBarrier: Double?
        /// For three networks: loss and error at the centroid (⅓, ⅓, ⅓).
        public var centroidLoss: Double? = nil
        public var centroidError: Double? = nil

        enum CodingKeys: String, CodingKey {
            case loss, error
            case lossBarrier = "loss_barrier"
            case errorBarrier = "error_barrier"
            case centroidLoss = "centroid_loss"
            case centroidError = "centroid_error"
        }
    }

    /// A tidy barrier row: `interpolation` and `split` always, other coordinates where they apply.
    ///
    /// Sweep variables (from `matrix:`) are fields of their own, named after the variable: numbers as
    /// numbers, other values as strings.
    public struct BarrierRecord: Codable, Sendable {
        /// The interpolation's name in the spec (for a swept one, the template's name).
        public var interpolation: String
        /// `train` or `test`.
        public var split: String
        /// For interpolations over training (`at:`): the updates both networks had done.
        public var step: Int?
        /// For pruning sequences (`at: levels`): the level, 0 being the dense network.
        public var level: Int?
        /// For pruning sequences: the fraction of prunable weights the first network keeps.
        public var density: Double?
        /// `identity`, `<alignment>@end` / `<alignment>@step=25`, or `via-<network>`.
        public var permutation: String
        /// The sweep variables' values, for an interpolation generated by `matrix:`.
        public var sweep: [SweepCoordinate] = []
        /// max over α of the loss above the chord between the endpoints.
        public var lossBarrier: Double?
        /// max over α of the error above the chord between the endpoints (a fraction).
        public var errorBarrier: Double?
        /// For three networks: the error at the centroid of the triangle.
        public var centroidError: Double?

        init(
            interpolation: String, split: String, step: Int?, level: Int?, density: Double?, permutation: String,
            sweep: [SweepCoordinate], lossBarrier: Double?, errorBarrier: Double?, centroidError: Double? = nil
        ) {
            self.centroidError = centroidError
            self.interpolation = interpolation
            self.split = split
            self.step = step
            self.level = level
            self.density = density
            self.permutation = permutation
            self.sweep = sweep
            self.lossBarrier = lossBarrier
            self.errorBarrier = errorBarrier
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        private static let fixed = [
            "interpolation", "split", "step", "level", "density", "permutation", "loss_barrier", "error_barrier",
            "centroid_error",
        ]

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(interpolation, forKey: Key(stringValue: "interpolation"))
            try c.encode(split, forKey: Key(stringValue: "split"))
            try c.encodeIfPresent(step, forKey: Key(stringValue: "step"))
            try c.encodeIfPresent(level, forKey: Key(stringValue: "level"))
            try c.encodeIfPresent(density, forKey: Key(stringValue: "density"))
            try c.encode(permutation, forKey: Key(stringValue: "permutation"))
            for coordinate in sweep where !Self.fixed.contains(coordinate.name) {
                if let number = Double(coordinate.value) {
                    try c.encode(number, forKey: Key(stringValue: coordinate.name))
                } else {
                    try c.encode(coordinate.value, forKey: Key(stringValue: coordinate.name))
                }
            }
            try c.encodeIfPresent(lossBarrier, forKey: Key(stringValue: "loss_barrier"))
            try c.encodeIfPresent(errorBarrier, forKey: Key(stringValue: "error_barrier"))
            try c.encodeIfPresent(centroidError, forKey: Key(stringValue: "centroid_error"))
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            interpolation = try c.decode(String.self, forKey: Key(stringValue: "interpolation"))
            split = try c.decode(String.self, forKey: Key(stringValue: "split"))
            step = try c.decodeIfPresent(Int.self, forKey: Key(stringValue: "step"))
            level = try c.decodeIfPresent(Int.self, forKey: Key(stringValue: "level"))
            density = try c.decodeIfPresent(Double.self, forKey: Key(stringValue: "density"))
            permutation = try c.decode(String.self, forKey: Key(stringValue: "permutation"))
            lossBarrier = try c.decodeIfPresent(Double.self, forKey: Key(stringValue: "loss_barrier"))
            errorBarrier = try c.decodeIfPresent(Double.self, forKey: Key(stringValue: "error_barrier"))
            centroidError = try c.decodeIfPresent(Double.self, forKey: Key(stringValue: "centroid_error"))
            sweep = try c.allKeys.filter { !Self.fixed.contains($0.stringValue) }.sorted { $0.stringValue < $1.stringValue }
                .map { key in
                    if let number = try? c.decode(Double.self, forKey: key) {
                        return SweepCoordinate(
                            name: key.stringValue, value: number == number.rounded() ? String(Int(number)) : String(number))
                    }
                    return SweepCoordinate(name: key.stringValue, value: try c.decode(String.self, forKey: key))
                }
        }
    }

    /// A step that failed, by name, with the reason.
    public struct Failure: Codable, Sendable {
        /// The step's name, such as `train/a`.
        public var node: String
        /// Why it failed.
        public var error: String
    }
}
