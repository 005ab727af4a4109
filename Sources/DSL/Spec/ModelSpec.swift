/// A network architecture.
///
/// Input and output sizes come from the dataset the network is trained on.
public struct ModelSpec: Sendable, Hashable, Codable {
    /// The hidden activation.
    public enum Activation: String, Sendable, Hashable, Codable, CaseIterable {
        case relu
    }

    /// Widths of the hidden layers of a multilayer perceptron, input side first.
    public var hidden: [Int]
    /// The activation between layers.
    public var activation: Activation
    /// For a convolutional network, its shape (`hidden` is then empty).
    public var conv: ConvModelSpec? = nil
    /// For a model declared layer by layer, its layers (`hidden` is then empty).
    public var layers: [LayerSpec]? = nil
    /// For a model imported from an ONNX file, the file and what the import fixed beyond `layers`
    /// (which the import fills in: `hidden` is then empty).
    public var onnx: ONNXModelSpec? = nil
    /// For a vision transformer, its shape (`hidden` is then empty).
    public var vit: ViTModelSpec? = nil

    /// A model's kind as the spec writes it.
    public var kind: String {
        if onnx != nil { return "onnx" }
        if vit != nil { return "vit" }
        if layers != nil { return "declared" }
        switch conv?.body {
        case nil: return "mlp"
        case .vgg: return "vgg"
        case .resnet: return "resnet"
        }
    }

    /// Whether the model has convolutions, whose numerics have their own cache salt.
    public var hasConvolutions: Bool {
        if conv != nil || vit != nil { return true }
        return layers?.contains { if case .conv = $0.operation { true } else { false } } ?? false
    }

    /// Whether the model keeps BatchNorm running statistics (reset along interpolations).
    public var hasBatchNorm: Bool {
        if let conv { return conv.norm == .batchnorm }
        return layers?.contains { $0.operation == .norm(.batch) } ?? false
    }
}

/// A convolutional network (`kind: vgg` or `kind: resnet`); inputs are the dataset's square images.
public struct ConvModelSpec: Sendable, Hashable, Codable {
    public enum Body: Sendable, Hashable, Codable {
        /// 3×3 convolutions of `width ×` each multiple, `nil` for a 2×2 max pool (`M`), then global
        /// average pooling and a linear classifier.
        case vgg(layers: [Int?])
        /// A stem, `stages` stages of `blocks` basic blocks (widths width·2^s), 1×1 shortcuts where the
        /// shape changes, global average pooling and a linear classifier (3 × 3: ResNet-20).
        case resnet(stages: Int, blocks: Int)
    }

    /// The normalisation after every convolution.
    public enum Norm: String, Sendable, Hashable, Codable, CaseIterable {
        case groupnorm, layernorm, batchnorm, none
    }

    public var body: Body
    /// The width multiplier: channels of the first convolution.
    public var width: Int
    public var norm: Norm

    public init(body: Body, width: Int, norm: Norm) {
        self.body = body
        self.width = width
        self.norm = norm
    }
}

/// A vision transformer (`kind: vit`): patch embedding, learned position embedding, `depth` pre-norm
/// blocks of multi-head attention and a GELU MLP, a final LayerNorm, the mean over tokens and a linear
/// classifier (Engine's `Architecture.vit`, tensor names in grammar/README.md).
public struct ViTModelSpec: Sendable, Hashable, Codable {
    /// Side of the square patches, which are also the stride: each patch is one token.
    public var patch: Int
    /// Features per token.
    public var width: Int
    /// Transformer blocks.
    public var depth: Int
    /// Attention heads per block, dividing `width`.
    public var heads: Int
    /// Hidden units of each block's MLP per feature (4 in ViT).
    public var mlpRatio: Int

    public init(patch: Int, width: Int, depth: Int, heads: Int, mlpRatio: Int) {
        self.patch = patch
        self.width = width
        self.depth = depth
        self.heads = heads
        self.mlpRatio = mlpRatio
    }
}
