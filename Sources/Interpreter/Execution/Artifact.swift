import DSL
import Engine
import Foundation

/// A step's result in memory, and its file form in the content store.
enum Artifact: Sendable {
    /// A trained network: `network.safetensors`, plus `checkpoint-<step>.safetensors` for each checkpoint.
    case network(Trained)
    /// One level of a pruning sequence: `network.safetensors` (with level and density in its metadata)
    /// and `mask.safetensors` (1 keeps a weight, 0 prunes it; one tensor per layer weight).
    case pruned(PrunedNetwork)
    /// Endpoint loss and error per split: `measurements.json`.
    case measurements([String: Metrics])
    /// One permutation per hidden group: `permutation.json`.
    case alignment(AlignmentRecord)
    /// One permutation per hidden group for each of N networks, into a shared order: `permutations.json`.
    case jointAlignment(JointAlignmentRecord)
    /// How often three pairwise alignments compose to the identity: `cycle.json`.
    case cycle(CycleRecord)
    /// Loss and error along a path: `curve.json`.
    case curve(Curve)

    /// The network (of a training or pruning step), or nil for other kinds.
    var network: Trained? {
        switch self {
        case .network(let network): network
        case .pruned(let pruned): pruned.network
        default: nil
        }
    }

    func files() -> [String: [UInt8]] {
        let encoder = JSONEncoder.lmc()
        func json<T: Encodable>(_ value: T) -> [UInt8] { (try? encoder.encode(value)).map { [UInt8]($0) } ?? [] }
        switch self {
        case .network(let trained):
            var files = [
                "network.safetensors": SafeTensors.encode(
                    trained.final.namedTensors, metadata: Self.metadata(trained.final, ["steps": "\(trained.steps)"]))
            ]
            for (step, network) in trained.checkpoints {
                files["checkpoint-\(step).safetensors"] = SafeTensors.encode(
                    network.namedTensors, metadata: Self.metadata(network, ["step": "\(step)"]))
            }
            return files
        case .pruned(let pruned):
            let final = pruned.network.final
            let metadata = Self.metadata(
                final, ["steps": "\(pruned.network.steps)", "level": "\(pruned.level)", "density": "\(pruned.density)"])
            let masks = zip(final.prunableWeights, pruned.mask.layers).map { weight, keep in
                (name: weight.name, tensor: Tensor(shape: weight.tensor.shape, scalars: keep))
            }
            return [
                "network.safetensors": SafeTensors.encode(final.namedTensors, metadata: metadata),
                "mask.safetensors": SafeTensors.encode(masks, metadata: [:]),
            ]
        case .measurements(let measurements): return ["measurements.json": json(measurements)]
        case .alignment(let record): return ["permutation.json": json(record)]
        case .jointAlignment(let record): return ["permutations.json": json(record)]
        case .cycle(let record): return ["cycle.json": json(record)]
        case .curve(let curve): return ["curve.json": json(curve)]
        }
    }

    /// A network's file also records its architecture (as JSON), so it is read back without the spec.
    private static func metadata(_ network: Network, _ fields: [String: String]) -> [String: String] {
        guard let json = try? JSONEncoder.lmc().encode(network.architecture) else { return fields }
        return fields.merging(["architecture": String(decoding: json, as: UTF8.self)]) { a, _ in a }
    }

    /// Rebuilds a step's artifact from its stored files, checking it has the shape the step implies.
    ///
    /// - Throws: `ArtifactError` when a file is missing or does not decode (the entry is then recomputed).
    static func decode(_ step: PlanStep, files: [String: [UInt8]]) throws -> Artifact {
        let decoder = JSONDecoder.lmc()
        func file(_ name: String) throws -> [UInt8] {
            guard let bytes = files[name] else { throw ArtifactError(description: "missing \(name)") }
            return bytes
        }
        func network(_ name: String) throws -> (Network, [String: String]) {
            let (tensors, metadata) = try SafeTensors.decode(try file(name), file: name)
            let byName = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            guard
                let architecture = metadata["architecture"].flatMap({
                    try? decoder.decode(Architecture.self, from: Data($0.utf8))
                })
            else { throw ArtifactError(description: "\(name) lacks its architecture") }
            do {
                return (try Network(program: try LayerProgram(architecture), tensors: byName, file: name), metadata)
            } catch {
                throw ArtifactError(description: "\(name): \(error)")
            }
        }
        switch step.action {
        case .train, .load:
            let (final, metadata) = try network("network.safetensors")
            var checkpoints: [(step: Int, network: Network)] = []
            for name in files.keys.sorted() where name.hasPrefix("checkpoint-") {
                let (net, meta) = try network(name)
                checkpoints.append((Int(meta["step"] ?? "") ?? 0, net))
            }
            checkpoints.sort { $0.step < $1.step }
            return .network(Trained(final: final, steps: Int(metadata["steps"] ?? "") ?? 0, checkpoints: checkpoints))
        case .prune, .retrainMasked:
            let (final, metadata) = try network("network.safetensors")
            let (masks, _) = try SafeTensors.decode(try file("mask.safetensors"), file: "mask.safetensors")
            let byName = Dictionary(masks.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
            let layers = try final.prunableWeights.map { weight in
                guard let mask = byName[weight.name], mask.shape == weight.tensor.shape,
                    mask.scalars.allSatisfy({ $0 == 0 || $0 == 1 })
                else { throw ArtifactError(description: "mask.safetensors: \(weight.name) is missing or not a 0/1 mask") }
                return mask.scalars
            }
            guard let level = Int(metadata["level"] ?? ""), let density = Double(metadata["density"] ?? "") else {
                throw ArtifactError(description: "network.safetensors lacks its pruning level or density")
            }
            return .pruned(
                PrunedNetwork(
                    network: Trained(final: final, steps: Int(metadata["steps"] ?? "") ?? 0, checkpoints: []),
                    mask: PruningMask(layers: layers), level: level, density: density))
        case .evaluate:
            return .measurements(try decoder.decode([String: Metrics].self, from: Data(try file("measurements.json"))))
        case .align:
            return .alignment(try decoder.decode(AlignmentRecord.self, from: Data(try file("permutation.json"))))
        case .alignJointly:
            return .jointAlignment(try decoder.decode(JointAlignmentRecord.self, from: Data(try file("permutations.json"))))
        case .cycleConsistency:
            return .cycle(try decoder.decode(CycleRecord.self, from: Data(try file("cycle.json"))))
        case .interpolate, .simplex:
            let curve = try decoder.decode(Curve.self, from: Data(try file("curve.json")))
            let points = curve.lambdas?.count ?? curve.alphas.count
            let lengths = curve.splits.values.flatMap { [$0.loss?.count, $0.error?.count].compactMap { $0 } }
            guard points >= 2, lengths.allSatisfy({ $0 == points }) else {
                throw ArtifactError(description: "curve.json's series do not match its points")
            }
            return .curve(curve)
        }
    }
}

/// One level of a pruning sequence.
struct PrunedNetwork: Sendable {
    /// The retrained network (pruned weights are zero).
    var network: Trained
    /// The weights it keeps.
    var mask: PruningMask
    /// Pruning rounds done (1 is the first pruned level).
    var level: Int
    /// Fraction of the prunable weights kept.
    var density: Double
}

/// A stored artifact that cannot be decoded.
struct ArtifactError: Error, CustomStringConvertible {
    var description: String
}

/// The permutations an alignment found, by group name.
struct AlignmentRecord: Codable, Sendable {
    struct Group: Codable, Sendable {
        var name: String
        var indices: [Int]
    }

    var groups: [Group]
    /// Weight-matching sweeps used; nil for activation matching.
    var sweeps: Int?
    /// Weight matching: Σ⟨θ_A, π(θ_B)⟩ of these permutations, and the seed of the restart that found them.
    var objective: Double?
    var seed: UInt64?
    /// Straight-through estimator: the mean training loss at the midpoint in each epoch.
    var midpointLosses: [Double]? = nil

    /// The permutations, validated.
    func permutations() throws -> [Permutation] {
        try groups.map { group in
            guard let permutation = Permutation(group.indices) else {
                throw ArtifactError(description: "group \(group.name) does not hold a permutation")
            }
            return permutation
        }
    }
}

/// The permutations of a joint alignment: `networks[i]` takes the step's i-th network into the shared order.
struct JointAlignmentRecord: Codable, Sendable {
    var networks: [AlignmentRecord]
    /// MergeMany: Σ_{i<j} ⟨π_i θ_i, π_j θ_j⟩, the sweeps run and the seed of the restart kept; activation
    /// merging: the summed similarity and sweeps.
    var objective: Double?
    var sweeps: Int?
    var seed: UInt64?
    /// Straight-through estimator: the mean training loss at the centroid in each epoch.
    var midpointLosses: [Double]? = nil
}

/// The fixed-point fractions of the cycle a → b → c → a composed from three pairwise alignments.
package struct CycleRecord: Codable, Sendable {
    package struct Group: Codable, Sendable {
        package var name: String
        /// Fraction of the group's units the composed cycle maps to themselves.
        package var fixed: Double
    }

    package var groups: [Group]
    /// All groups together, each weighted by its size.
    package var fixed: Double
}

/// Loss and error curves along a path, per split.
package struct Curve: Codable, Sendable {
    package struct SplitCurve: Codable, Sendable {
        package var loss: [Double]?
        package var error: [Double]?
    }

    package var alphas: [Double]
    package var splits: [String: SplitCurve]
    /// Updates both networks had done at the measured point.
    package var step: Int?
    /// For a pruned level: the first network's density (fraction of prunable weights kept).
    package var density: Double?
    /// For three networks: the barycentric weights of each point, in place of `alphas`.
    package var lambdas: [[Double]]?
}
