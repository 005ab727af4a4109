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
        /// One permutation per network into a shared unit order, for the networks of the inputs, at the end of
        /// training. For `.reference`, the network whose order is shared is an extra last input (no
        /// permutation of its own), and `reference` its index among the others when it is also one of them.
        case alignJointly(JointAlignmentSpec.Method, reference: Int? = nil)
        /// The fraction of units that the cycle a → b → c → a, composed from three pairwise alignments, maps to
        /// themselves. Inputs: the alignments between a and b, b and c, c and a; `inverted[k]` when input k
        /// aligns the pair's first network to its second (a to b, for the first) rather than the reverse.
        case cycleConsistency(inverted: [Bool])
        /// Loss and error along the path between two networks, both taken at checkpoint `at` (nil: the
        /// end). Inputs: both training steps, then the alignment step when the second network is permuted,
        /// then (for an indirect path) the alignment of the first network to the same third network.
        ///
        /// `resetExamples`: for BatchNorm models, each point's running statistics are recomputed on that
        /// many training examples first (nil for other models, so their keys do not mention it).
        /// `repairExamples`: each point is REPAIRed (after any reset) on that many training examples (nil:
        /// not repaired). `carry`: how each end reaches the common order, when the layout above cannot say it.
        case interpolate(
            alphas: [Double], splits: [EvaluationSpec.SplitSize], metrics: [EvaluationSpec.Metric], at: Int? = nil,
            resetExamples: Int? = nil, repairExamples: Int? = nil, carry: [Carry]? = nil)
        /// Loss and error over the simplex of three or more networks, at each point λ of `points` (barycentric
        /// weights). Inputs: the networks' steps, then the alignments; without `carry`, the layout of a
        /// triangle: (when permuted) the alignments of the second and of the first network to the third.
        /// `resetExamples` and `repairExamples` as for `interpolate`.
        case simplex(
            points: [[Double]], splits: [EvaluationSpec.SplitSize], metrics: [EvaluationSpec.Metric], resetExamples: Int? = nil,
            repairExamples: Int? = nil, carry: [Carry]? = nil)
    }

    /// How one end of a path or simplex reaches the unit order the points are made in: unchanged, by the
    /// pairwise alignment at input `input`, or by member `member` of the joint alignment at input `input`.
    public enum Carry: Sendable, Hashable, Codable {
        case identity
        case alignment(input: Int)
        case member(Int, input: Int)
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
        case .align, .alignJointly: "align"
        case .cycleConsistency: "cycle"
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
