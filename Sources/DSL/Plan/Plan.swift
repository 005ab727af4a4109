/// A spec resolved into a flat, dependency-ordered list of steps, plus what the results should report.
public struct Plan: Sendable, Hashable, Codable {
    /// The experiment's name.
    public var name: String
    public var specFile: String
    public var datasets: [Named<DatasetSpec>]
    /// Steps in dependency order: every step comes after its inputs.
    public var steps: [PlanStep]
    /// The endpoints to report: network name and its evaluation step.
    public var endpoints: [Endpoint]
    /// The interpolations to report.
    public var paths: [Path]
    public var evaluation: EvaluationSpec

    /// A trained network and the step that evaluates it.
    public struct Endpoint: Sendable, Hashable, Codable {
        public var network: String
        public var evaluationStep: String
    }

    /// An interpolation and how its second network was permuted.
    public struct Path: Sendable, Hashable, Codable {
        public var interpolation: String
        public var from: String
        public var to: String
        /// `identity`, or the alignment's name and where it was found (`wm@end`).
        public var permutation: String
        public var step: String
    }

    /// The step named `name`.
    public func step(named name: String) -> PlanStep? { steps.first { $0.name == name } }
}
