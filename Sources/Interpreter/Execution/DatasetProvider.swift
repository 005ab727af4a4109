import DSL
import Engine
import Foundation

/// Loads each dataset of a plan at most once and knows its content digest.
///
/// Thread-safe: loading happens while holding the mutex, on purpose, so concurrent steps that need the
/// same dataset wait for one load instead of repeating it.
final class DatasetProvider: Sendable {
    private let specs: [String: DatasetSpec]
    private let loaded = Locked<[String: Dataset]>([:])
    private let memo: FileDigestMemo?

    /// - Parameter memo: remembers file digests between runs (in the cache directory), if given.
    init(datasets: [Named<DatasetSpec>], memo: FileDigestMemo? = nil) {
        specs = Dictionary(datasets.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        self.memo = memo
    }

    /// A digest of everything the dataset's content depends on: file bytes (not paths) or generator parameters,
    /// the image shape where a spec states one, CIFAR-100's choice of labels, and the normalisation.
    func digest(of name: String) throws -> String {
        guard let spec = specs[name] else { throw DataError("no dataset named '\(name)'") }
        var hasher = SHA256()
        hasher.update("normalize=\(spec.normalize.rawValue)\n")
        switch spec.source {
        case .idx(let directory):
            let files = try Dataset.idxFiles(in: missingHint(directory))
            for path in files {
                let digest = try fileDigest(path)
                hasher.update("file=\((path as NSString).lastPathComponent) sha256=\(digest)\n")
            }
        case .synthetic(let s):
            hasher.update(
                "synthetic features=\(s.features) classes=\(s.classes) train=\(s.trainCount) test=\(s.testCount) noise=\(s.noise) seed=\(s.seed)\n"
            )
            // Only a shape other than the assumed one is hashed, so specs that state none keep their keys.
            let shape = try Self.imageShape(of: s)
            if shape != ImageShape(features: s.features) {
                hasher.update("shape channels=\(shape.channels) height=\(shape.height) width=\(shape.width)\n")
            }
        case .cifar10(let directory):
            try updateCIFAR(&hasher, "cifar10", directory: directory, variant: .cifar10)
        case .cifar100(let directory, let labels):
            try updateCIFAR(
                &hasher, "cifar100 labels=\(labels.rawValue)", directory: directory,
                variant: .cifar100(labels: Self.labels(labels)))
        }
        return hasher.finalize()
    }

    /// Hashes a CIFAR source: which dataset and labels, then every file's name and bytes, training files first.
    private func updateCIFAR(_ hasher: inout SHA256, _ source: String, directory: String, variant: CIFARFile.Variant) throws {
        hasher.update("\(source)\n")
        let files = try Dataset.cifarFiles(in: missingHint(directory), variant: variant)
        for path in files.train + files.test {
            let digest = try fileDigest(path)
            hasher.update("file=\((path as NSString).lastPathComponent) sha256=\(digest)\n")
        }
    }

    /// The engine's name for a choice of CIFAR-100 labels.
    private static func labels(_ labels: DatasetSpec.CIFAR100Labels) -> CIFARFile.Labels {
        switch labels {
        case .fine: .fine
        case .coarse: .coarse
        }
    }

    /// A synthetic dataset's image shape: the spec's, or the one assumed for its features.
    ///
    /// - Throws: `DataError` when the spec's shape does not hold `features` values (the decoder rejects such
    ///   specs; this keeps a hand-made plan from reaching the engine's precondition).
    private static func imageShape(of s: SyntheticDataSpec) throws -> ImageShape {
        guard let stated = s.shape else { return ImageShape(features: s.features) }
        let shape = ImageShape(channels: stated.channels, height: stated.height, width: stated.width)
        guard stated.channels > 0, stated.height > 0, stated.width > 0, stated.channels <= 4096, stated.height <= 4096,
            stated.width <= 4096, shape.features == s.features
        else {
            throw DataError("synthetic dataset: shape \(shape) does not hold \(s.features) features")
        }
        return shape
    }

    /// The SHA-256 of one file's bytes (through the memo when there is one).
    func fileDigest(_ path: String) throws -> String {
        if let memo { return try memo.digest(of: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("cannot read \(path)") }
        return SHA256.hex([UInt8](data))
    }

    /// The dataset, loaded and normalised on first use.
    func dataset(_ name: String) throws -> Dataset {
        guard let spec = specs[name] else { throw DataError("no dataset named '\(name)'") }
        return try loaded.withLock { cache in
            if let dataset = cache[name] { return dataset }
            var dataset: Dataset
            switch spec.source {
            case .idx(let directory):
                dataset = try Dataset.loadIDX(directory: missingHint(directory))
            case .synthetic(let s):
                dataset = Dataset.synthetic(
                    features: s.features, classes: s.classes, trainCount: s.trainCount, testCount: s.testCount,
                    noise: s.noise, seed: s.seed, shape: try Self.imageShape(of: s))
            case .cifar10(let directory):
                dataset = try Dataset.loadCIFAR(directory: missingHint(directory), variant: .cifar10)
            case .cifar100(let directory, let labels):
                dataset = try Dataset.loadCIFAR(
                    directory: missingHint(directory), variant: .cifar100(labels: Self.labels(labels)))
            }
            switch spec.normalize {
            case .standard: dataset.standardize()
            case .perChannel: dataset.standardizePerChannel()
            case .none: break
            }
            cache[name] = dataset
            return dataset
        }
    }

    /// Checks the directory exists, with an installation hint for Debian's Fashion-MNIST package.
    private func missingHint(_ directory: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            let hint =
                directory == DatasetSpec.debianFashionMNIST ? " (install it with: apt-get install dataset-fashion-mnist)" : ""
            throw DataError("dataset directory \(directory) does not exist\(hint)")
        }
        return directory
    }
}
