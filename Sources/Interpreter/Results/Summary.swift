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
    }

    /// One path of a series: both networks at training step `step`, the second permuted by `permutation`.
    public struct Point: Codable, Sendable {
        /// Updates done by both networks at this point (the end is its final step count).
        public var step: Int
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

        enum CodingKeys: String, CodingKey {
            case loss, error
            case lossBarrier = "loss_barrier"
            case errorBarrier = "error_barrier"
        }
    }

    /// A tidy barrier row: `interpolation` and `split` always, other coordinates where they apply.
    public struct BarrierRecord: Codable, Sendable {
        /// The interpolation's name in the spec.
        public var interpolation: String
        /// `train` or `test`.
        public var split: String
        /// For interpolations over training (`at:`): the updates both networks had done.
        public var step: Int?
        /// `identity`, or `<alignment>@end` / `<alignment>@step=25`.
        public var permutation: String
        /// max over α of the loss above the chord between the endpoints.
        public var lossBarrier: Double?
        /// max over α of the error above the chord between the endpoints (a fraction).
        public var errorBarrier: Double?

        enum CodingKeys: String, CodingKey {
            case interpolation, split, step, permutation
            case lossBarrier = "loss_barrier"
            case errorBarrier = "error_barrier"
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
