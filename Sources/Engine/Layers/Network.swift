/// A network: its compiled architecture and its tensors by PyTorch-style name.
///
/// The one representation of every model lmc trains, aligns, interpolates, prunes and repairs. Tensor
/// names are the layers' names with `.weight`, `.bias` (and BatchNorm's `.running_mean`, `.running_var`).
public struct Network: Sendable, Hashable {
    /// What the network computes.
    public let program: LayerProgram
    /// Every tensor, trained parameters and running statistics alike.
    public var tensors: [String: Tensor]

    /// - Precondition: `tensors` holds every parameter of `program` with its shape (use
    ///   `init(program:tensors:file:)` for tensors that come from a file).
    public init(program: LayerProgram, tensors: [String: Tensor]) {
        precondition(program.parameters.allSatisfy { tensors[$0.name]?.shape == $0.shape }, "tensors do not fit the program")
        self.program = program
        self.tensors = tensors
    }

    /// A freshly initialised network, as PyTorch initialises `nn.Conv2d` and `nn.Linear`: weights and
    /// biases uniform in ±1/√fan_in, each tensor from its own stream keyed by (seed, name); norm scales 1,
    /// shifts 0, running means 0 and variances 1; position embeddings normal with σ 0.02, as ViTs do.
    public init(program: LayerProgram, seed: UInt64) {
        var tensors: [String: Tensor] = [:]
        for entry in program.parameters {
            let count = entry.shape.reduce(1, *)
            switch entry.role {
            case .weight(let fanIn), .bias(let fanIn):
                let bound = 1 / Float(fanIn).squareRoot()
                var stream = RandomStream(seed: seed, purpose: "init/" + entry.name)
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: (0..<count).map { _ in stream.uniform(-bound, bound) })
            case .scale, .runningVariance:
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: [Float](repeating: 1, count: count))
            case .shift, .runningMean:
                tensors[entry.name] = Tensor(zeros: entry.shape)
            case .embedding:
                var stream = RandomStream(seed: seed, purpose: "init/" + entry.name)
                tensors[entry.name] = Tensor(shape: entry.shape, scalars: (0..<count).map { _ in Float(0.02 * stream.normal()) })
            }
        }
        self.init(program: program, tensors: tensors)
    }

    /// The architecture.
    public var architecture: Architecture { program.architecture }

    /// Tensors in the program's order (the order of a PyTorch state dict).
    public var namedTensors: [(name: String, tensor: Tensor)] {
        program.parameters.compactMap { entry in tensors[entry.name].map { (entry.name, $0) } }
    }

    /// The trained tensors (without running statistics), by name.
    public var trainedTensors: [String: Tensor] {
        let trained = Set(program.parameters.filter(\.trained).map(\.name))
        return tensors.filter { trained.contains($0.key) }
    }

    /// The permutation groups, derived from the program (residual streams included).
    public var permutationSpec: PermutationSpec { program.permutationSpec }

    /// The network with its hidden units permuted, one permutation per group of `permutationSpec`; it
    /// computes the same function.
    public func permuted(by permutations: [Permutation]) -> Network {
        Network(program: program, tensors: permutationSpec.apply(permutations, to: tensors))
    }

    /// The weights that pruning ranks and masks.
    ///
    /// Every convolution and linear weight in program order, the output layer last. Biases and norm
    /// parameters are never pruned.
    public var prunableWeights: [(name: String, tensor: Tensor)] {
        program.prunableWeightNames.compactMap { name in tensors[name].map { (name, $0) } }
    }

    /// The network with the named tensors replaced.
    ///
    /// - Precondition: each replacement has the shape of the tensor it replaces; names the network does
    ///   not have are ignored.
    public func replacing(_ replacements: [String: Tensor]) -> Network {
        var network = self
        for (name, tensor) in replacements where network.tensors[name] != nil {
            precondition(network.tensors[name]?.shape == tensor.shape, "\(name) replaced by a tensor of another shape")
            network.tensors[name] = tensor
        }
        return network
    }

    /// Whether two networks have one architecture, so they can be aligned and interpolated.
    public func isCompatible(with other: Network) -> Bool { program == other.program }
}
