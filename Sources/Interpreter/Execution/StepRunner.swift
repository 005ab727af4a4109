import Foundation
import DSL
import Engine

/// Computes one plan step from its inputs' artifacts.
///
/// Stateless; safe to call from any thread.
struct StepRunner: Sendable {
    let datasets: DatasetProvider
    let events: @Sendable (RunEvent) -> Void
    /// Examples per forward pass when measuring loss and error (`evaluation.batch`): memory and speed
    /// only, since each example's logits and the order of the sums do not depend on it.
    let evaluationBatch: Int

    func run(_ step: PlanStep, inputs artifacts: [Artifact], parallelism: Parallelism) throws -> Artifact {
        let data = try datasets.dataset(step.dataset)
        let inputs = try StepInputs(step.action, artifacts)
        switch step.action {
        case .train(let model, let recipe, let seed):
            let report = { (progress: TrainingProgress) in events(.training(node: step.name, progress: progress)) }
            return .network(
                try Trainer.train(
                    try program(model, data), seed: seed, recipe: recipe.engineRecipe, data: data.train,
                    parallelism: parallelism, progress: report))
        case .load(let model, let layers):
            guard let file = step.file else { throw ArtifactError(description: "\(step.name) names no network file") }
            let network = try NetworkFile.network(file, model: model, program: try program(model, data), prefixes: layers)
            return .network(Trained(final: network, steps: 0, checkpoints: []))
        case .prune(_, let recipe, let seed, let rate, let output, let rewind):
            guard case .pruning(let trained, let before) = inputs else { throw Self.unexpected(step) }
            let previous: (network: Network, mask: PruningMask, level: Int)
            if case .pruned(let p) = before {
                previous = (p.network.final, p.mask, p.level)
            } else {
                previous = (trained.final, .dense(trained.final), 0)
            }
            guard let start = trained.checkpoints.first(where: { $0.step == rewind }) else {
                throw ArtifactError(description: "the trained network kept no checkpoint at step \(rewind) to rewind to")
            }
            let rule = output.engineOutputLayer
            let mask = previous.mask.pruning(previous.network, rate: rate, output: rule)
            let network = try retrain(
                step, recipe: recipe, seed: seed, from: (start.network, rewind), mask: mask, data: data,
                parallelism: parallelism)
            return .pruned(
                PrunedNetwork(network: network, mask: mask, level: previous.level + 1, density: mask.density(output: rule)))
        case .retrainMasked(_, let recipe, let seed, let rewind, let carry):
            guard case .masking(let trained, let donor, let alignment) = inputs else { throw Self.unexpected(step) }
            guard let start = trained.checkpoints.first(where: { $0.step == rewind }) else {
                throw ArtifactError(description: "the trained network kept no checkpoint at step \(rewind) to rewind to")
            }
            let mask: PruningMask
            switch carry {
            case .asIs: mask = donor.mask
            case .random(let seed): mask = donor.mask.shuffled(seed: seed)
            case .permuted:
                guard let record = alignment else { throw ArtifactError(description: "a permuted mask needs an alignment input") }
                // π aligns this network to the donor's (π(B) ≈ A): A's mask in B's unit order is π⁻¹(mask).
                let permutations = try record.permutations()
                guard start.network.permutationSpec.admits(permutations) else {
                    throw Self.misfit
                }
                mask = donor.mask.permuted(by: permutations.map(\.inverse), shapes: start.network)
            }
            guard mask.layers.map(\.count) == start.network.prunableWeights.map(\.tensor.count) else {
                throw ArtifactError(description: "the mask does not fit the network's layers")
            }
            let network = try retrain(
                step, recipe: recipe, seed: seed, from: (start.network, rewind), mask: mask, data: data,
                parallelism: parallelism)
            let density = donor.density
            return .pruned(PrunedNetwork(network: network, mask: mask, level: donor.level, density: density))
        case .evaluate(let splits, _):
            guard case .network(let artifact) = inputs else { throw Self.unexpected(step) }
            let network = try networks([artifact], at: nil)[0]
            var result: [String: Metrics] = [:]
            for size in splits {
                let split = data.split(size.split).prefix(size.count, features: data.features)
                result[size.split.rawValue] = network.measure(on: split, batchSize: evaluationBatch, parallelism: parallelism)
            }
            return .measurements(result)
        case .align(let method, let checkpoint):
            guard case .pair(let x, let y) = inputs else { throw Self.unexpected(step) }
            let pair = try networks([x, y], at: checkpoint)
            return .alignment(try align(pair[0], to: pair[1], method, data: data, parallelism: parallelism))
        case .alignJointly(let method, let reference):
            guard case .networks(let artifacts) = inputs else { throw Self.unexpected(step) }
            return .jointAlignment(
                try alignJointly(method, reference: reference, artifacts, data: data, parallelism: parallelism))
        case .cycleConsistency(let inverted):
            guard case .alignments(let records) = inputs, inverted.count == 3 else { throw Self.unexpected(step) }
            return .cycle(try cycle(records, inverted: inverted))
        case .interpolate(let alphas, let splits, let metrics, let checkpoint, let reset, let repair, _):
            guard case .path(let ends, let carry) = inputs else { throw Self.unexpected(step) }
            let pair = try zip(try networks(ends, at: checkpoint), carry).map(permuted)
            let curves = measure(
                pair, at: alphas.map { [1 - $0, $0] }, reset: reset, repair: repair, splits: splits, metrics: metrics,
                data: data, parallelism: parallelism)
            var curve = Curve(alphas: alphas, splits: curves, step: checkpoint ?? ends[0].network?.steps)
            if case .pruned(let pruned) = ends[0] { curve.density = pruned.density }
            return .curve(curve)
        case .simplex(let points, let splits, let metrics, let reset, let repair, _):
            guard case .path(let ends, let carry) = inputs else { throw Self.unexpected(step) }
            let all = try zip(try networks(ends, at: nil), carry).map(permuted)
            let curves = measure(
                all, at: points, reset: reset, repair: repair, splits: splits, metrics: metrics, data: data,
                parallelism: parallelism)
            return .curve(Curve(alphas: [], splits: curves, lambdas: points))
        }
    }

    /// One permutation per network into a shared order (`members` are the networks; for `.reference`
    /// the last artifact is the reference).
    private func alignJointly(
        _ method: JointAlignmentSpec.Method, reference: Int?, _ artifacts: [Artifact], data: Dataset,
        parallelism: Parallelism
    ) throws -> JointAlignmentRecord {
        let all = try networks(artifacts, at: nil)
        let spec = all[0].permutationSpec
        func records(_ permutations: [[Permutation]]) -> [AlignmentRecord] { permutations.map { record(spec, $0) } }
        switch method {
        case .reference(let pairwise):
            guard let target = all.last else { throw ArtifactError(description: "a joint alignment needs networks") }
            var members: [AlignmentRecord] = []
            for (i, network) in all.dropLast().enumerated() {
                if i == reference {
                    members.append(record(spec, spec.groups.map { Permutation(identity: $0.size) }))
                } else {
                    members.append(try align(network, to: target, pairwise, data: data, parallelism: parallelism))
                }
            }
            return JointAlignmentRecord(networks: members)
        case .mergeMany(let maxSweeps, let seed, let restarts):
            let result = try MergeMany.align(
                all, maxSweeps: maxSweeps, seed: seed, restarts: restarts, parallelism: parallelism)
            return JointAlignmentRecord(
                networks: records(result.permutations), objective: result.objective, sweeps: result.sweeps, seed: result.seed)
        case .mergeManyActivations(let samples, let similarity, let maxSweeps):
            let result = try ActivationMatching.alignJointly(
                all, inputs: data.train.prefix(samples, features: data.features), similarity: similarity.engineSimilarity,
                maxSweeps: maxSweeps, parallelism: parallelism)
            return JointAlignmentRecord(
                networks: records(result.permutations), objective: result.objective, sweeps: result.sweeps)
        case .straightThrough(let epochs, let batch, let lr, let momentum, let maxSweeps, let seed):
            let result = try StraightThroughEstimator.alignJointly(
                all, data: data.train, epochs: epochs, batchSize: batch, learningRate: lr, momentum: momentum,
                maxSweeps: maxSweeps, seed: seed, parallelism: parallelism)
            var record = JointAlignmentRecord(networks: records(result.permutations))
            record.midpointLosses = result.epochLosses
            return record
        }
    }

    /// A pairwise alignment of `moving` to `target`.
    private func align(
        _ moving: Network, to target: Network, _ method: AlignmentSpec.Method, data: Dataset, parallelism: Parallelism
    ) throws -> AlignmentRecord {
        let spec = target.permutationSpec
        switch method {
        case .weightMatching(let maxSweeps, let seed, let restarts):
            let result = try WeightMatching.align(
                moving, to: target, maxSweeps: maxSweeps, seed: seed, restarts: restarts ?? 1, parallelism: parallelism)
            return record(spec, result.permutations, weightMatching: result)
        case .activationMatching(let samples, let similarity):
            let inputs = data.train.prefix(samples, features: data.features)
            let permutations = try ActivationMatching.align(
                moving, to: target, inputs: inputs, similarity: similarity.engineSimilarity, parallelism: parallelism)
            return record(spec, permutations)
        case .straightThrough(let epochs, let batch, let lr, let momentum, let maxSweeps, let seed):
            let result = try StraightThroughEstimator.align(
                moving, to: target, data: data.train, epochs: epochs, batchSize: batch, learningRate: lr,
                momentum: momentum, maxSweeps: maxSweeps, seed: seed, parallelism: parallelism)
            var record = record(spec, result.permutations)
            record.midpointLosses = result.epochLosses
            return record
        }
    }

    /// The fixed points of P_ca ∘ P_bc ∘ P_ab, each P_xy taking y into x's order (an input that aligns x
    /// to y is inverted first).
    private func cycle(_ records: [AlignmentRecord], inverted: [Bool]) throws -> CycleRecord {
        let p = try zip(records, inverted).map { record, invert in
            try record.permutations().map { invert ? $0.inverse : $0 }
        }
        guard p.allSatisfy({ $0.map(\.count) == p[0].map(\.count) }) else {
            throw ArtifactError(description: "the three alignments of a cycle have different groups")
        }
        let inverse = p.map { $0.map(\.inverse) }
        // pairwise[x][y] takes y into x's order: [0][1] = P_ab, [1][2] = P_bc, [2][0] = P_ca.
        let pairwise = [[p[0], p[0], inverse[2]], [inverse[0], p[1], p[1]], [p[2], inverse[1], p[2]]]
        let result = CycleConsistency.fractions(pairwise)
        return CycleRecord(
            groups: zip(records[0].groups, result.perGroup).map { .init(name: $0.name, fixed: $1) }, fixed: result.overall)
    }

    /// The error for inputs that `StepInputs` read in another role than the action needs (a bug).
    private static func unexpected(_ step: PlanStep) -> ArtifactError {
        ArtifactError(description: "internal error: \(step.name)'s inputs were read in the wrong roles")
    }

    /// The error for a stored alignment whose permutations the network's groups do not admit.
    private static let misfit = ArtifactError(
        description: "the alignment's permutations do not fit the network's permutation groups "
            + "(their sizes, or the parts a GroupNorm keeps whole)")

    /// Retraining with a fixed mask from a rewound checkpoint to the end of the network's schedule.
    private func retrain(
        _ step: PlanStep, recipe: RecipeSpec, seed: UInt64, from start: (Network, Int), mask: PruningMask, data: Dataset,
        parallelism: Parallelism
    ) throws -> Trained {
        var retraining = recipe.engineRecipe
        retraining.checkpoints = []
        let report = { (progress: TrainingProgress) in events(.training(node: step.name, progress: progress)) }
        return try Trainer.train(
            start.0.program, seed: seed, recipe: retraining, data: data.train, parallelism: parallelism,
            resume: (start.0, start.1), mask: mask, progress: report)
    }

    /// The model's program on the dataset's images and classes.
    private func program(_ model: ModelSpec, _ data: Dataset) throws -> LayerProgram {
        do { return try model.program(input: data.shape, classes: data.classes) } catch {
            throw ArtifactError(description: "the \(model.kind) model does not fit the dataset: \(error.message)")
        }
    }

    /// Loss and error on each split at every point Σ_i w_i·θ_i of `points`, one weight per network.
    ///
    /// The networks are made one at a time. With `reset`, a BatchNorm network's running statistics are
    /// first recomputed on that many training examples; with `repair`, the network is then REPAIRed
    /// toward the same mix of the ends' channel statistics, all measured on that many training examples.
    private func measure(
        _ ends: [Network], at points: [[Double]], reset: Int?, repair: Int?, splits: [EvaluationSpec.SplitSize],
        metrics: [EvaluationSpec.Metric], data: Dataset, parallelism: Parallelism
    ) -> [String: Curve.SplitCurve] {
        let parts = splits.map { ($0.split.rawValue, data.split($0.split).prefix($0.count, features: data.features)) }
        let repairData = repair.map { data.train.prefix($0, features: data.features) }
        let endStatistics = repairData.map { inputs in
            ends.map { Repair.statistics(of: $0, on: inputs, parallelism: parallelism) }
        }
        let prepare: ((Network, [Double]) -> Network)? =
            reset == nil && repair == nil
            ? nil
            : { point, weights in
                var point = point
                if let reset {
                    point = point.resettingBatchStatistics(on: data.train, examples: reset, parallelism: parallelism)
                }
                if let repairData, let endStatistics {
                    point = Repair.repair(
                        point, toward: Repair.mix(endStatistics, weights: weights), on: repairData, parallelism: parallelism)
                }
                return point
            }
        let series = Interpolation.measure(
            ends, at: points, on: parts.map(\.1), batchSize: evaluationBatch, parallelism: parallelism, prepare: prepare)
        let values = Dictionary(zip(parts.map(\.0), series), uniquingKeysWith: { first, _ in first })
        return values.mapValues { series in
            Curve.SplitCurve(
                loss: metrics.contains(.loss) ? series.map(\.loss) : nil,
                error: metrics.contains(.error) ? series.map(\.error) : nil)
        }
    }

    /// `network` carried into another's unit order by an alignment's permutations (unchanged for nil).
    private func permuted(_ network: Network, by record: AlignmentRecord?) throws -> Network {
        guard let record else { return network }
        let permutations = try record.permutations()
        guard network.permutationSpec.admits(permutations) else {
            throw Self.misfit
        }
        return network.permuted(by: permutations)
    }

    /// The artifacts' networks, at checkpoint `step` (nil: the final weights).
    ///
    /// They must have one architecture, so they can be aligned and interpolated.
    private func networks(_ inputs: [Artifact], at step: Int?) throws -> [Network] {
        let trained = inputs.compactMap(\.network)
        guard trained.count == inputs.count else { throw ArtifactError(description: "a step's inputs are not trained networks") }
        guard trained.allSatisfy({ $0.final.isCompatible(with: trained[0].final) }) else {
            throw ArtifactError(description: "the networks have different architectures")
        }
        guard let step else { return trained.map(\.final) }
        return try trained.map { network in
            if let checkpoint = network.checkpoints.first(where: { $0.step == step }) { return checkpoint.network }
            throw ArtifactError(
                description: "no checkpoint at step \(step): training ran \(network.steps) steps and kept "
                    + (network.checkpoints.map { String($0.step) }.joined(separator: ", ")))
        }
    }

    private func record(
        _ spec: PermutationSpec, _ permutations: [Permutation], weightMatching wm: WeightMatching.Result? = nil
    ) -> AlignmentRecord {
        AlignmentRecord(
            groups: zip(spec.groups, permutations).map { .init(name: $0.name, indices: $1.indices) }, sweeps: wm?.sweeps,
            objective: wm?.objective, seed: wm?.seed)
    }
}

extension Dataset {
    func split(_ split: EvaluationSpec.Split) -> Split {
        switch split {
        case .train: train
        case .test: test
        }
    }
}

extension RecipeSpec {
    var engineOptimizer: TrainingRecipe.Optimizer {
        switch optimizer {
        case .sgd(let momentum, let nesterov): .sgd(momentum: momentum, nesterov: nesterov)
        case .adamW(let beta1, let beta2, let epsilon): .adamW(beta1: beta1, beta2: beta2, epsilon: epsilon)
        }
    }

    var engineRecipe: TrainingRecipe {
        let shape: TrainingRecipe.Decay =
            switch decay {
            case .linear: .linear
            case .cosine: .cosine
            case .none: .none
            }
        return TrainingRecipe(
            learningRate: learningRate, optimizer: engineOptimizer, weightDecay: weightDecay, batchSize: batchSize,
            epochs: epochs, warmupEpochs: warmupEpochs, decay: shape,
            checkpoints: checkpoints,
            augmentation: augmentation.map { Engine.Augmentation(crop: $0.crop, flip: $0.flip) } ?? .none)
    }
}

extension PruningSpec.OutputLayer {
    var engineOutputLayer: PruningMask.OutputLayer {
        switch self {
        case .prune: .prune
        case .half: .half
        case .keep: .keep
        }
    }
}

extension AlignmentSpec.Similarity {
    var engineSimilarity: ActivationMatching.Similarity {
        switch self {
        case .correlation: .correlation
        case .crossMoment: .crossMoment
        }
    }
}
