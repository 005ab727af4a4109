import Foundation

/// A classification dataset held in memory: flat Float32 inputs and integer labels, train and test.
public struct Dataset: Sendable {
    /// One split's examples: `inputs` holds `count × features` values, row by row.
    public struct Split: Sendable {
        /// `count × features` values, row by row.
        public var inputs: [Float]
        /// Class indices in 0..<classes.
        public var labels: [Int32]

        /// Examples given as they are stored: `inputs` holds `labels.count × features` values, each example
        /// height × width × channels (channel last), as tensors read from a file or made by another framework.
        public init(inputs: [Float], labels: [Int32]) {
            self.inputs = inputs
            self.labels = labels
        }

        /// Number of examples.
        public var count: Int { labels.count }

        /// The first `limit` examples (all when nil or larger than the split).
        public func prefix(_ limit: Int?, features: Int) -> Split {
            guard let limit, limit < count else { return self }
            return Split(inputs: Array(inputs[0..<limit * features]), labels: Array(labels[0..<limit]))
        }
    }

    /// The image shape of one example; `inputs` hold each example height × width × channels (channel last).
    public var shape: ImageShape
    /// Number of classes.
    public var classes: Int
    /// The training split.
    public var train: Split
    /// The test split.
    public var test: Split

    /// Input values per example (784 for 28×28 images): the product of `shape`.
    public var features: Int { shape.features }

    /// A dataset whose examples have the image shape `shape`.
    public init(shape: ImageShape, classes: Int, train: Split, test: Split) {
        self.shape = shape
        self.classes = classes
        self.train = train
        self.test = test
    }

    /// A dataset of `features` values per example, shaped as `ImageShape(features:)` assumes.
    public init(features: Int, classes: Int, train: Split, test: Split) {
        self.init(shape: ImageShape(features: features), classes: classes, train: train, test: test)
    }

    /// Rescales both splits by one scalar mean and std taken over every training input value.
    ///
    /// The mean and variance are summed in Double, in index order, so they are reproducible exactly.
    public mutating func standardize() {
        var sum = 0.0
        for v in train.inputs { sum += Double(v) }
        let mean = sum / Double(max(train.inputs.count, 1))
        var squares = 0.0
        for v in train.inputs {
            let d = Double(v) - mean
            squares += d * d
        }
        let std = (squares / Double(max(train.inputs.count, 1))).squareRoot()
        let scale = std > 0 ? 1 / std : 1
        train.inputs = train.inputs.map { Float((Double($0) - mean) * scale) }
        test.inputs = test.inputs.map { Float((Double($0) - mean) * scale) }
    }

    /// Rescales each channel of both splits by that channel's mean and std over the training images, as a
    /// torchvision pipeline's `Normalize(mean, std)` with per-channel statistics does.
    ///
    /// Each channel's sums run in Double over the training values in index order, so they are reproducible
    /// exactly; the std is the population one (divided by the count). A constant channel is only centred.
    /// With one channel this is `standardize()`, bit for bit.
    ///
    /// - Precondition: both splits hold whole pixels (a multiple of `shape.channels` values), as every loader makes them.
    public mutating func standardizePerChannel() {
        let channels = shape.channels
        precondition(
            channels > 0 && train.inputs.count % channels == 0 && test.inputs.count % channels == 0,
            "standardizePerChannel: inputs are not whole pixels of \(channels) channels")
        let perChannel = Double(max(train.inputs.count / channels, 1))
        var sums = [Double](repeating: 0, count: channels)
        for start in stride(from: 0, to: train.inputs.count, by: channels) {
            for c in 0..<channels { sums[c] += Double(train.inputs[start + c]) }
        }
        let means = sums.map { $0 / perChannel }
        var squares = [Double](repeating: 0, count: channels)
        for start in stride(from: 0, to: train.inputs.count, by: channels) {
            for c in 0..<channels {
                let d = Double(train.inputs[start + c]) - means[c]
                squares[c] += d * d
            }
        }
        let scales = squares.map { s -> Double in
            let std = (s / perChannel).squareRoot()
            return std > 0 ? 1 / std : 1
        }
        func rescale(_ values: inout [Float]) {
            for start in stride(from: 0, to: values.count, by: channels) {
                for c in 0..<channels {
                    values[start + c] = Float((Double(values[start + c]) - means[c]) * scales[c])
                }
            }
        }
        rescale(&train.inputs)
        rescale(&test.inputs)
    }
}

extension Dataset {
    /// The four IDX files of an MNIST-style directory, each with or without `.gz`.
    ///
    /// - Throws: `DataError` naming the directory and the missing file.
    public static func idxFiles(in directory: String) throws(DataError) -> [String] {
        let names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        var paths: [String] = []
        for name in names {
            let candidates = [name + ".gz", name].map { directory + "/" + $0 }
            guard let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
                throw DataError("no \(name)[.gz] in \(directory)")
            }
            paths.append(found)
        }
        return paths
    }

    /// Loads an MNIST-style directory, with pixel values mapped to [0, 1].
    public static func loadIDX(directory: String) throws(DataError) -> Dataset {
        let paths = try idxFiles(in: directory)
        let trainImages = try IDXFile.read(paths[0]), trainLabels = try IDXFile.read(paths[1])
        let testImages = try IDXFile.read(paths[2]), testLabels = try IDXFile.read(paths[3])
        guard trainImages.extents.count >= 2, trainImages.extents.dropFirst() == testImages.extents.dropFirst() else {
            throw DataError("\(directory): train and test images have different shapes")
        }
        let dims = Array(trainImages.extents.dropFirst())
        let shape =
            switch dims.count {
            case 1: ImageShape(channels: 1, height: 1, width: dims[0])
            case 2: ImageShape(channels: 1, height: dims[0], width: dims[1])
            default: ImageShape(channels: dims[2], height: dims[0], width: dims[1])  // IDX is row-major: h, w, c
            }
        guard shape.features > 0 else { throw DataError("\(directory): images have no pixels") }
        for (images, labels, path) in [(trainImages, trainLabels, paths[1]), (testImages, testLabels, paths[3])] {
            guard labels.extents.count == 1, labels.extents[0] == images.extents[0] else {
                throw DataError("\(path): \(labels.extents.first ?? 0) labels for \(images.extents[0]) images")
            }
        }
        let classes = Int((trainLabels.bytes + testLabels.bytes).max() ?? 0) + 1
        guard classes >= 2 else { throw DataError("\(directory): labels name fewer than two classes") }
        func split(_ images: IDXFile.Contents, _ labels: IDXFile.Contents) -> Split {
            Split(inputs: images.bytes.map { Float($0) / 255 }, labels: labels.bytes.map { Int32($0) })
        }
        return Dataset(
            shape: shape, classes: classes,
            train: split(trainImages, trainLabels), test: split(testImages, testLabels))
    }

    /// Gaussian clusters: each class owns three centres, so classes are not linearly separable.
    ///
    /// Everything is drawn from streams keyed by `seed`, so the same parameters give the same data; `shape`
    /// only says how the `features` values of an example are read as an image, never what they are.
    ///
    /// - Parameter shape: the image shape of an example; nil for `ImageShape(features:)`.
    /// - Precondition: `shape.features == features` when a shape is given.
    public static func synthetic(
        features: Int, classes: Int, trainCount: Int, testCount: Int, noise: Double, seed: UInt64, shape: ImageShape? = nil
    ) -> Dataset {
        let shape = shape ?? ImageShape(features: features)
        precondition(shape.features == features, "synthetic dataset: shape \(shape) does not hold \(features) features")
        let clustersPerClass = 3
        var centreStream = RandomStream(seed: seed, purpose: "synthetic/centres")
        let centres = (0..<classes * clustersPerClass).map { _ in (0..<features).map { _ in centreStream.normal() } }
        func split(_ count: Int, _ purpose: String) -> Split {
            var stream = RandomStream(seed: seed, purpose: purpose)
            var inputs: [Float] = []
            inputs.reserveCapacity(count * features)
            var labels: [Int32] = []
            for _ in 0..<count {
                let cluster = stream.below(classes * clustersPerClass)
                labels.append(Int32(cluster % classes))
                for f in 0..<features { inputs.append(Float(centres[cluster][f] + noise * 0.5 * stream.normal())) }
            }
            return Split(inputs: inputs, labels: labels)
        }
        return Dataset(
            shape: shape, classes: classes, train: split(trainCount, "synthetic/train"),
            test: split(testCount, "synthetic/test"))
    }
}
