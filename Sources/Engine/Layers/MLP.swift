/// A multilayer perceptron's parameters: layers `fc1` … `fcN`, ReLU between them, logits out.
public struct MLP: Sendable, Hashable {
    /// One fully connected layer: `weight` is `[out, in]`, `bias` is `[out]`.
    public struct Layer: Sendable, Hashable {
        /// `[out, in]`, as in PyTorch.
        public var weight: Tensor
        /// `[out]`.
        public var bias: Tensor

        public init(weight: Tensor, bias: Tensor) {
            self.weight = weight
            self.bias = bias
        }

        /// The layer's input width.
        public var inputs: Int { weight.rowSize }
        /// The layer's output width.
        public var outputs: Int { weight.rows }
    }

    /// Layers `fc1` … `fcN`, input side first.
    public var layers: [Layer]

    public init(layers: [Layer]) {
        self.layers = layers
    }

    /// A freshly initialised network, as PyTorch's `nn.Linear` does it: weights and biases uniform in
    /// ±1/√fan_in, each tensor from its own stream keyed by (seed, tensor name).
    ///
    /// - Parameter sizes: input width, hidden widths, classes.
    public init(sizes: [Int], seed: UInt64) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 })
        layers = (1..<sizes.count).map { l in
            let fanIn = sizes[l - 1], fanOut = sizes[l]
            let bound = 1 / Float(fanIn).squareRoot()
            var w = RandomStream(seed: seed, purpose: "init/fc\(l).weight")
            var b = RandomStream(seed: seed, purpose: "init/fc\(l).bias")
            return Layer(
                weight: Tensor(shape: [fanOut, fanIn], scalars: (0..<fanOut * fanIn).map { _ in w.uniform(-bound, bound) }),
                bias: Tensor(shape: [fanOut], scalars: (0..<fanOut).map { _ in b.uniform(-bound, bound) }))
        }
    }

    /// Input width, hidden widths, classes.
    public var sizes: [Int] { [layers.first?.inputs ?? 0] + layers.map(\.outputs) }

    /// Tensors in PyTorch's state-dict order and naming: `fc1.weight`, `fc1.bias`, `fc2.weight`, ….
    public func namedTensors(prefixes: [String]? = nil) -> [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { l, layer in
            let prefix = prefixes?[l] ?? "fc\(l + 1)"
            return [(prefix + ".weight", layer.weight), (prefix + ".bias", layer.bias)]
        }
    }

    /// Every parameter flattened in `namedTensors` order.
    public var flatParameters: [Float] { layers.flatMap { $0.weight.scalars + $0.bias.scalars } }
}
