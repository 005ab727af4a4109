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
}
