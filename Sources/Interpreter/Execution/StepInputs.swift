import DSL
import Engine

/// A step's input artifacts by role.
///
/// The plan lists a step's inputs by position (`PlanStep.inputs`); this is the one place that knows each
/// action's layout, so the runner reads roles, not indices.
enum StepInputs {
    /// Training and loading read nothing.
    case none
    /// An evaluation reads one network (trained, loaded or a pruning level).
    case network(Artifact)
    /// A pruning level reads the trained network (for its rewind checkpoint) and the level before it
    /// (the trained network itself before level 1).
    case pruning(trained: Trained, previous: Artifact)
    /// Masked retraining reads the trained network, the donor's pruning level and, to carry the mask into
    /// this network's unit order, an alignment.
    case masking(trained: Trained, donor: PrunedNetwork, alignment: AlignmentRecord?)
    /// An alignment reads the network it moves and the one it aligns to.
    case pair(moving: Artifact, target: Artifact)
    /// An interpolation reads its ends (two, or three for a simplex) and the alignments that carry ends
    /// into the first end's unit order: `carry[0]` the second end, `carry[1]` (through a third network) the
    /// first.
    case path(ends: [Artifact], carry: [AlignmentRecord])

    /// Reads `artifacts` as `action`'s inputs.
    ///
    /// - Throws: `ArtifactError` when the artifacts do not have the roles the action needs.
    init(_ action: PlanStep.Action, _ artifacts: [Artifact]) throws {
        func alignment(_ artifact: Artifact) throws -> AlignmentRecord {
            guard case .alignment(let record) = artifact else { throw ArtifactError(description: "an input is not an alignment") }
            return record
        }
        switch action {
        case .train, .load:
            self = .none
        case .evaluate:
            guard let network = artifacts.first, artifacts.count == 1 else { throw Self.misfit("an evaluation") }
            self = .network(network)
        case .prune:
            guard artifacts.count == 2, let trained = artifacts[0].network else { throw Self.misfit("a pruning step") }
            self = .pruning(trained: trained, previous: artifacts[1])
        case .retrainMasked:
            guard (2...3).contains(artifacts.count), let trained = artifacts[0].network, case .pruned(let donor) = artifacts[1]
            else { throw Self.misfit("a masked step") }
            self = .masking(trained: trained, donor: donor, alignment: try artifacts.dropFirst(2).first.map(alignment))
        case .align:
            guard artifacts.count == 2 else { throw Self.misfit("an alignment") }
            self = .pair(moving: artifacts[0], target: artifacts[1])
        case .interpolate, .simplex:
            let count = if case .simplex = action { 3 } else { 2 }
            guard (count...count + 2).contains(artifacts.count) else { throw Self.misfit("an interpolation") }
            self = .path(ends: Array(artifacts.prefix(count)), carry: try artifacts.dropFirst(count).map(alignment))
        }
    }

    private static func misfit(_ what: String) -> ArtifactError {
        ArtifactError(description: "\(what)'s inputs do not have the roles it needs")
    }
}
