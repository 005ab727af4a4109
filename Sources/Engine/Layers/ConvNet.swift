/// A convolutional network: its architecture and its tensors by PyTorch-style name.
///
/// Names (documented in `grammar/README.md`): VGG-style nets have `conv{i}.weight` (`[out, in, 3, 3]`),
/// `conv{i}.bias` when no normalisation follows, `norm{i}.weight` / `.bias` (and, for BatchNorm,
/// `.running_mean` / `.running_var`), then `fc.weight` / `fc.bias`. ResNet-style nets have `stem.conv`,
/// `stem.norm`, `layer{s}.{b}.conv1`, `.norm1`, `.conv2`, `.norm2`, `.shortcut.conv`, `.shortcut.norm`
/// (stages and blocks from 1), then `fc`.
public struct ConvNet: Sendable, Hashable {
    public var architecture: ConvArchitecture
    /// Every tensor, trained parameters and running statistics alike.
    public var tensors: [String: Tensor]

    public init(architecture: ConvArchitecture, tensors: [String: Tensor]) {
        self.architecture = architecture
        self.tensors = tensors
    }

    /// A freshly initialised network, as PyTorch initialises `nn.Conv2d` and `nn.Linear`: weights and
    /// biases uniform in ±1/√fan_in, each tensor from its own stream keyed by (seed, name); norm scales 1,
    /// shifts 0, running means 0 and variances 1.
    public init(architecture: ConvArchitecture, seed: UInt64) {
        self.architecture = architecture
        var tensors: [String: Tensor] = [:]
        for entry in architecture.program.parameters {
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
            }
        }
        self.tensors = tensors
    }

    /// Tensors in the program's order (the order of a PyTorch state dict).
    public var namedTensors: [(name: String, tensor: Tensor)] {
        architecture.program.parameters.compactMap { entry in tensors[entry.name].map { (entry.name, $0) } }
    }

    /// The network with its hidden channels permuted, one permutation per group of `permutationSpec`;
    /// it computes the same function.
    public func permuted(by permutations: [Permutation]) -> ConvNet {
        ConvNet(architecture: architecture, tensors: permutationSpec.apply(permutations, to: tensors))
    }

    /// The permutation groups, derived from the program (residual streams included).
    public var permutationSpec: PermutationSpec { architecture.program.permutationSpec }

    /// Every convolution kernel in program order, then `fc.weight`: what pruning masks.
    public var prunableWeightNames: [String] { architecture.program.prunableWeightNames }
}

/// The shape of a convolutional network.
public struct ConvArchitecture: Sendable, Hashable, Codable {
    public enum Body: Sendable, Hashable, Codable {
        /// 3×3 convolutions of the given widths, `nil` for a 2×2 max pool; then global average pooling
        /// and a linear classifier.
        case vgg([Int?])
        /// A stem convolution of `width`, then stages of basic blocks with widths width·2^s (stride 2 at
        /// the first block of every stage after the first, with a 1×1 convolution shortcut where the shape
        /// changes); then global average pooling and a linear classifier. ResNet-20: 3 stages of 3 blocks.
        case resnet(stages: Int, blocks: Int, width: Int)
    }

    /// The normalisation after every convolution.
    public enum Norm: String, Sendable, Hashable, Codable, CaseIterable {
        case none
        /// GroupNorm with one group.
        case groupnorm
        /// LayerNorm over the channels at each position.
        case layernorm
        /// BatchNorm with running statistics.
        case batchnorm

        var kind: Normalization.Kind? {
            switch self {
            case .none: nil
            case .groupnorm: .group
            case .layernorm: .layer
            case .batchnorm: .batch
            }
        }
    }

    public var body: Body
    public var norm: Norm
    public var height: Int
    public var width: Int
    public var channels: Int
    public var classes: Int

    public init(body: Body, norm: Norm, height: Int, width: Int, channels: Int, classes: Int) {
        self.body = body
        self.norm = norm
        self.height = height
        self.width = width
        self.channels = channels
        self.classes = classes
    }

    /// Multiply-adds ×2 of one example's forward pass (convolutions and the classifier).
    public var forwardFlopsPerExample: Double {
        let program = self.program
        var flops = 0.0
        for operation in program.operations {
            switch operation {
            case .conv(let layer, _, let to):
                let out = program.buffers[to]
                flops += 2 * Double(out.height * out.width * layer.outChannels * layer.inChannels * layer.kernel * layer.kernel)
            case .linear(_, let inputs, let outputs, _, _): flops += 2 * Double(inputs * outputs)
            case .norm, .relu, .maxPool, .add, .average: continue
            }
        }
        return flops
    }

    /// The operations the architecture runs, derived once per use (cheap: a few dozen entries).
    var program: ConvProgram { ConvProgram(self) }
}
