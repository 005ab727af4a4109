/// A spec resolved into a flat, dependency-ordered list of steps, plus what the results should report.
public struct Plan: Sendable, Hashable, Codable {
    /// The experiment's name.
    public var name: String
    /// The spec file the plan came from.
    public var specFile: String
    /// The spec's datasets, which steps name.
    public var datasets: [Named<DatasetSpec>]
    /// Steps in dependency order: every step comes after its inputs.
    public var steps: [PlanStep]
    /// The endpoints to report: network name and its evaluation step.
    public var endpoints: [Endpoint]
    /// The interpolations to report.
    public var paths: [Path]
    /// The spec's evaluation settings.
    public var evaluation: EvaluationSpec

    /// A trained network and the step that evaluates it.
    public struct Endpoint: Sendable, Hashable, Codable {
        /// The network's name.
        public var network: String
        /// The step that measures it.
        public var evaluationStep: String
    }

    /// An interpolation and how its second network was permuted.
    public struct Path: Sendable, Hashable, Codable {
        /// The interpolation's name.
        public var interpolation: String
        /// The network at α = 0.
        public var from: String
        /// The network at α = 1.
        public var to: String
        /// `identity`, or the alignment's name and where it was found (`wm@end`, `wm@step=25`).
        public var permutation: String
        /// The step that measures the path.
        public var step: String
        /// Where in training both networks are taken.
        public var moment: Moment
        /// Whether the interpolation covers several moments or permutations (`at:` somewhere): its
        /// results are reported per point, with the training step as a coordinate.
        public var isSeries: Bool
    }
}
