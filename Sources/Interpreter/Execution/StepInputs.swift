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
    /// A joint alignment reads its networks (and, for a reference outside them, that one last).
    case networks([Artifact])
    /// Cycle consistency reads three pairwise alignments.
    case alignments([AlignmentRecord])
    /// An interpolation reads its ends (two, or more for a simplex) and, for each end, the permutations
    /// that carry it into the common unit order (nil: it stays as it is).
    case path(ends: [Artifact], carry: [AlignmentRecord?])

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
        case .alignJointly:
            guard artifacts.count >= 2 else { throw Self.misfit("a joint alignment") }
            self = .networks(artifacts)
        case .cycleConsistency:
            guard artifacts.count == 3 else { throw Self.misfit("a cycle") }
            self = .alignments(try artifacts.map(alignment))
        case .interpolate(_, _, _, _, _, _, let carry), .simplex(_, _, _, _, _, let carry):
            let count: Int
            if case .simplex(let points, _, _, _, _, _) = action { count = points.first?.count ?? 0 } else { count = 2 }
            guard count >= 2, artifacts.count >= count else { throw Self.misfit("an interpolation") }
            let ends = Array(artifacts.prefix(count))
            guard let carry else {
                // The layout without `carry`: the second end's alignment, then (through a third network) the first's.
                let records = try artifacts.dropFirst(count).map(alignment)
                guard records.count <= 2 else { throw Self.misfit("an interpolation") }
                var perEnd = [AlignmentRecord?](repeating: nil, count: count)
                perEnd[1] = records.first
                perEnd[0] = records.dropFirst().first
                self = .path(ends: ends, carry: perEnd)
                return
            }
            guard carry.count == count else { throw Self.misfit("an interpolation") }
            self = .path(
                ends: ends,
                carry: try carry.map { end in
                    switch end {
                    case .identity: return nil
                    case .alignment(let k):
                        guard artifacts.indices.contains(k), k >= count else { throw Self.misfit("an interpolation") }
                        return try alignment(artifacts[k])
                    case .member(let m, let k):
                        guard artifacts.indices.contains(k), k >= count, case .jointAlignment(let joint) = artifacts[k],
                            joint.networks.indices.contains(m)
                        else { throw Self.misfit("an interpolation") }
                        return joint.networks[m]
                    }
                })
        }
    }

    private static func misfit(_ what: String) -> ArtifactError {
        ArtifactError(description: "\(what)'s inputs do not have the roles it needs")
    }
}
