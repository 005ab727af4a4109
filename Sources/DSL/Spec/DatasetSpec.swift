/// Where a dataset's examples come from and how its inputs are normalised.
public struct DatasetSpec: Sendable, Hashable, Codable {
    /// The examples' origin.
    public enum Source: Sendable, Hashable, Codable {
        /// A directory of MNIST-style IDX files (`train-images-idx3-ubyte[.gz]`, …), such as Fashion-MNIST.
        case idx(directory: String)
        /// Gaussian clusters generated from a seed: small, fast, for tests and demos.
        case synthetic(SyntheticDataSpec)
    }

    /// How pixel values are rescaled after being mapped to [0, 1].
    public enum Normalization: String, Sendable, Hashable, Codable, CaseIterable {
        /// Subtract one scalar mean and divide by one scalar std, both over all training inputs.
        case standard
        /// Leave inputs in [0, 1].
        case none
    }

    /// Where the examples come from.
    public var source: Source
    /// How inputs are rescaled.
    public var normalize: Normalization

    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let debianFashionMNIST = "/usr/share/datasets/fashion-mnist"
}

/// Parameters of the built-in synthetic dataset: one Gaussian cluster per class around a random centre.
public struct SyntheticDataSpec: Sendable, Hashable, Codable {
    /// Input dimensions.
    public var features: Int
    /// Number of classes (three clusters each).
    public var classes: Int
    /// Training examples.
    public var trainCount: Int
    /// Test examples.
    public var testCount: Int
    /// Within-class standard deviation relative to the spread of class centres.
    public var noise: Double
    /// Seed of the centres and the samples.
    public var seed: UInt64
}
