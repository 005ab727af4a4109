/// The results of a run: `results/<name>/summary.json`, and what `lmc run --json` prints.
///
/// Field names are a contract relied on by tools outside lmc (see `grammar/README.md`, Results).
public struct Summary: Codable, Sendable {
    public var experiment: String
    public var spec: String
    public var nodes: NodeCounts
    /// Endpoint measurements: network → split → metrics.
    public var networks: [String: [String: SplitMetrics]]
    public var interpolations: [String: InterpolationResult]
    /// One flat record per measured barrier.
    public var barriers: [BarrierRecord]
    public var failures: [Failure]

    public struct NodeCounts: Codable, Sendable {
        public var total: Int
        public var computed: Int
        public var cached: Int
        public var failed: Int
    }

    public struct SplitMetrics: Codable, Sendable {
        public var loss: Double?
        public var error: Double?
    }

    public struct InterpolationResult: Codable, Sendable {
        public var between: [String]
        public var permutation: String
        public var alphas: [Double]
        public var splits: [String: SplitCurve]
    }

    public struct SplitCurve: Codable, Sendable {
        public var loss: [Double]?
        public var error: [Double]?
        public var lossBarrier: Double?
        public var errorBarrier: Double?

        enum CodingKeys: String, CodingKey {
            case loss, error
            case lossBarrier = "loss_barrier"
            case errorBarrier = "error_barrier"
        }
    }

    /// A tidy barrier row: `interpolation` and `split` always, other coordinates where they apply.
    public struct BarrierRecord: Codable, Sendable {
        public var interpolation: String
        public var split: String
        public var permutation: String
        public var lossBarrier: Double?
        public var errorBarrier: Double?

        enum CodingKeys: String, CodingKey {
            case interpolation, split, permutation
            case lossBarrier = "loss_barrier"
            case errorBarrier = "error_barrier"
        }
    }

    public struct Failure: Codable, Sendable {
        public var node: String
        public var error: String
    }
}
