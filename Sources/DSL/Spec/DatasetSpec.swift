/// Where a dataset's examples come from and how its inputs are normalised.
public struct DatasetSpec: Sendable, Hashable, Codable {
    /// The examples' origin.
    public enum Source: Sendable, Hashable, Codable {
        /// A directory of MNIST-style IDX files (`train-images-idx3-ubyte[.gz]`, …), such as Fashion-MNIST.
        case idx(directory: String)
        /// Gaussian clusters generated from a seed: small, fast, for tests and demos.
        case synthetic(SyntheticDataSpec)
        /// A directory holding the binary version of CIFAR-10 (`data_batch_1.bin` … `data_batch_5.bin`,
        /// `test_batch.bin`): 3 × 32 × 32 images in 10 classes.
        case cifar10(directory: String)
        /// A directory holding the binary version of CIFAR-100 (`train.bin`, `test.bin`): 3 × 32 × 32 images,
        /// classed by their fine (100) or coarse (20) labels.
        case cifar100(directory: String, labels: CIFAR100Labels)
    }

    /// Which of CIFAR-100's labels names an example's class.
    public enum CIFAR100Labels: String, Sendable, Hashable, Codable, CaseIterable {
        /// The 100 classes (the default).
        case fine
        /// The 20 superclasses.
        case coarse
    }

    /// How pixel values are rescaled after being mapped to [0, 1].
    public enum Normalization: String, Sendable, Hashable, Codable, CaseIterable {
        /// Subtract one scalar mean and divide by one scalar std, both over all training inputs.
        case standard
        /// Leave inputs in [0, 1].
        case none
        /// Subtract each channel's mean and divide by its std, both over that channel of all training images.
        case perChannel = "per-channel"
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
    /// The image shape of one example, as written in a spec's `shape: [channels, height, width]`.
    public struct Shape: Sendable, Hashable, Codable {
        /// Values per pixel.
        public var channels: Int
        /// Rows of pixels.
        public var height: Int
        /// Pixels per row.
        public var width: Int

        /// A shape of `channels` planes of `height` × `width` pixels.
        public init(channels: Int, height: Int, width: Int) {
            self.channels = channels
            self.height = height
            self.width = width
        }
    }

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
    /// How an example's `features` values are read as an image, nil when the spec states none.
    ///
    /// Its product is `features`. Without one the engine assumes one channel of s × s pixels when `features`
    /// is s², else 1 × 1 × features.
    public var shape: Shape? = nil
}
