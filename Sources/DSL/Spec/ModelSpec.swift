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

    /// A model's kind as the spec writes it.
    public var kind: String {
        switch conv?.body {
        case nil: "mlp"
        case .vgg: "vgg"
        case .resnet: "resnet"
        }
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
