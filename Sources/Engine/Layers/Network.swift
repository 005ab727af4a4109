/// Any network lmc trains, aligns and interpolates: an MLP or a convolutional net.
public enum Network: Sendable, Hashable {
    case mlp(MLP)
    case conv(ConvNet)

    /// Tensors in state-dict order, by PyTorch-style name.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        switch self {
        case .mlp(let network): network.namedTensors()
        case .conv(let network): network.namedTensors
        }
    }

    /// The permutation groups, derived from the model.
    public var permutationSpec: PermutationSpec {
        switch self {
        case .mlp(let network): network.permutationSpec
        case .conv(let network): network.permutationSpec
        }
    }

    /// The network with one permutation per group applied; it computes the same function.
    public func permuted(by permutations: [Permutation]) -> Network {
        switch self {
        case .mlp(let network): .mlp(network.permuted(by: permutations))
        case .conv(let network): .conv(network.permuted(by: permutations))
        }
    }

    /// Loss and error on a split.
    public func measure(on split: Dataset.Split, parallelism: Parallelism) -> Metrics {
        switch self {
        case .mlp(let network): network.measure(on: split, parallelism: parallelism)
        case .conv(let network): network.measure(on: split, parallelism: parallelism)
        }
    }

    /// Logits for every example of a split, `count × classes`.
    public func logits(_ split: Dataset.Split, parallelism: Parallelism) -> [Float] {
        switch self {
        case .mlp(let network): network.logits(split, parallelism: parallelism)
        case .conv(let network): network.logits(split, parallelism: parallelism)
        }
    }

    /// The MLP, or nil for a conv net.
    public var mlp: MLP? {
        if case .mlp(let network) = self { return network }
        return nil
    }

    /// The conv net, or nil for an MLP.
    public var conv: ConvNet? {
        if case .conv(let network) = self { return network }
        return nil
    }

    /// The weights that pruning ranks and masks, the output layer last.
    ///
    /// An MLP's layer weights; a conv net's kernels in program order, then `fc.weight`. Biases and norm
    /// parameters are never pruned.
    public var prunableWeights: [(name: String, tensor: Tensor)] {
        switch self {
        case .mlp(let network): network.layers.enumerated().map { ("fc\($0 + 1).weight", $1.weight) }
        case .conv(let network): network.prunableWeightNames.compactMap { name in network.tensors[name].map { (name, $0) } }
        }
    }

    /// The network with the named tensors replaced; names it does not have are ignored.
    public func replacing(_ tensors: [String: Tensor]) -> Network {
        switch self {
        case .mlp(let network): return .mlp(network.replacing(with: tensors))
        case .conv(var network):
            for (name, tensor) in tensors where network.tensors[name] != nil { network.tensors[name] = tensor }
            return .conv(network)
        }
    }

    /// Whether two networks have the same kind and shapes, so they can be aligned and interpolated.
    public func isCompatible(with other: Network) -> Bool {
        switch (self, other) {
        case (.mlp(let a), .mlp(let b)): a.sizes == b.sizes
        case (.conv(let a), .conv(let b)): a.architecture == b.architecture
        default: false
        }
    }
}

extension Trained {
    /// The same training record with every network transformed.
    public func map<Other>(_ transform: (Model) -> Other) -> Trained<Other> {
        Trained<Other>(
            final: transform(final), steps: steps, checkpoints: checkpoints.map { ($0.step, transform($0.network)) })
    }
}

extension Interpolation {
    /// θ(λ) = Σ_i λ_i·θ_i for compatible networks.
    ///
    /// - Precondition: the networks are compatible and there is one weight per network.
    public static func combination(_ networks: [Network], weights: [Double]) -> Network {
        precondition(!networks.isEmpty && networks.allSatisfy { $0.isCompatible(with: networks[0]) })
        switch networks[0] {
        case .mlp: return .mlp(combination(networks.compactMap(\.mlp), weights: weights))
        case .conv: return .conv(combination(networks.compactMap(\.conv), weights: weights))
        }
    }
}

extension WeightMatching {
    /// Weight matching of two compatible networks (for conv nets, over their trained tensors).
    public static func align(
        _ b: Network, to a: Network, maxSweeps: Int, seed: UInt64, restarts: Int = 1, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> Result {
        switch (b, a) {
        case (.conv(let b), .conv(let a)):
            return try align(b, to: a, maxSweeps: maxSweeps, seed: seed, restarts: restarts, parallelism: parallelism)
        default:
            let named = { (n: Network) in Dictionary(n.namedTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { x, _ in x })
            }
            return try align(
                named(b), to: named(a), spec: a.permutationSpec, maxSweeps: maxSweeps, seed: seed, restarts: restarts,
                parallelism: parallelism)
        }
    }
}

extension ActivationMatching {
    /// Activation matching of two compatible networks on `inputs`.
    ///
    /// - Precondition: both networks are of one kind.
    public static func align(
        _ b: Network, to a: Network, inputs: Dataset.Split, similarity: Similarity, parallelism: Parallelism
    ) throws(LinearAssignment.NonFiniteInput) -> [Permutation] {
        switch (b, a) {
        case (.mlp(let b), .mlp(let a)):
            return try align(b, to: a, inputs: inputs, similarity: similarity, parallelism: parallelism)
        case (.conv(let b), .conv(let a)):
            return try align(b, to: a, inputs: inputs, similarity: similarity, parallelism: parallelism)
        default: preconditionFailure("activation matching of networks of different kinds")
        }
    }
}
