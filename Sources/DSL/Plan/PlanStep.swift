/// One unit of work in a plan, with a stable name such as `train/a` or `barrier/weight`.
///
/// A step's `action` holds every parameter its result depends on and no names, so that renaming an entry
/// in a spec does not change what the step computes; `inputs` name the steps whose results it consumes.
public struct PlanStep: Sendable, Hashable, Codable {
    /// What a step computes.
    public enum Action: Sendable, Hashable, Codable {
        /// Read a trained network from `file` (safetensors, PyTorch layout), tensors `<prefix>.weight` and
        /// `<prefix>.bias` for each of `layers` (nil: `fc1` … `fcN`). Inputs: none. The key covers the
        /// file's bytes, not its path.
        case load(model: ModelSpec, layers: [String]?)
        /// Train a network from its seed. Inputs: none; reads `dataset`.
        case train(model: ModelSpec, recipe: RecipeSpec, seed: UInt64)
        /// One level of iterative magnitude pruning: prune `rate` of the weights the previous level kept,
        /// rewind the survivors to checkpoint `rewind` of the trained network, retrain with the mask fixed.
        /// Inputs: the training step (for the checkpoint), then the previous level (the training step at level 1).
        case prune(
            model: ModelSpec, recipe: RecipeSpec, seed: UInt64, rate: Double, output: PruningSpec.OutputLayer, rewind: Int)
        /// Retrain a network from checkpoint `rewind` under another network's pruning mask. Inputs: the
        /// training step, the pruning level whose mask is used, then (for `.permuted`) the alignment of the
        /// network to the mask's network.
        case retrainMasked(model: ModelSpec, recipe: RecipeSpec, seed: UInt64, rewind: Int, transport: MaskCarry)
        /// Loss and error of a trained network. Inputs: the training step.
        case evaluate(splits: [EvaluationSpec.SplitSize], metrics: [EvaluationSpec.Metric])
        /// A permutation aligning the first input's network to the second's, both taken at checkpoint `at`
        /// (nil: the end of training).
        case align(AlignmentSpec.Method, at: Int? = nil)
        /// Loss and error along the path between two networks, both taken at checkpoint `at` (nil: the
        /// end). Inputs: both training steps, then the alignment step when the second network is permuted,
        /// then (for an indirect path) the alignment of the first network to the same third network.
        ///
        /// `resetExamples`: for BatchNorm models, each point's running statistics are recomputed on that
        /// many training examples first (nil for other models, so their keys do not mention it).
        /// `repairExamples`: each point is REPAIRed (after any reset) on that many training examples (nil:
        /// not repaired).
        case interpolate(
            alphas: [Double], splits: [EvaluationSpec.SplitSize], metrics: [EvaluationSpec.Metric], at: Int? = nil,
            resetExamples: Int? = nil, repairExamples: Int? = nil)
        /// Loss and error over a triangle of three networks, at each point λ of `points` (barycentric
        /// weights). Inputs: the three training steps, then (when permuted) the alignments of the second
        /// and of the first network to the third. `resetExamples` and `repairExamples` as for `interpolate`.
        case simplex(
            points: [[Double]], splits: [EvaluationSpec.SplitSize], metrics: [EvaluationSpec.Metric], resetExamples: Int? = nil,
            repairExamples: Int? = nil)
    }

    /// How a mask is carried to another network, without names (the alignment is an input).
    public enum MaskCarry: Sendable, Hashable, Codable {
        case permuted, asIs
        case random(seed: UInt64)
    }

    /// The step's kind as a word (`train`, `evaluate`, `align`, `interpolate`).
    public var kind: String {
        switch action {
        case .train: "train"
        case .load: "load"
        case .prune: "prune"
        case .retrainMasked: "mask"
        case .evaluate: "evaluate"
        case .align: "align"
        case .interpolate: "interpolate"
        case .simplex: "simplex"
        }
    }

    /// A stable, human-readable name, unique in the plan.
    public var name: String
    /// What the step computes, with every parameter that its result depends on.
    public var action: Action
    /// Names of the steps this one consumes, in the order the action expects.
    public var inputs: [String]
    /// The dataset the step reads, by name in the spec.
    public var dataset: String
    /// The spec entry the step comes from, for messages.
    public var origin: SourceLocation
    /// For `load`: the file read (its content, not this path, enters the key).
    public var file: String? = nil
}
