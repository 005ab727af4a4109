import DSL
import Engine
import Foundation
import Synchronization

/// Loads each dataset of a plan at most once and knows its content digest.
///
/// Thread-safe: loading happens while holding the mutex, on purpose, so concurrent steps that need the
/// same dataset wait for one load instead of repeating it.
final class DatasetProvider: Sendable {
    private let specs: [String: DatasetSpec]
    private let loaded = Mutex<[String: Dataset]>([:])
    private let memo: FileDigestMemo?

    /// - Parameter memo: remembers file digests between runs (in the cache directory), if given.
    init(datasets: [Named<DatasetSpec>], memo: FileDigestMemo? = nil) {
        specs = Dictionary(datasets.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        self.memo = memo
    }

    /// A digest of everything the dataset's content depends on: file bytes (not paths) or generator parameters.
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
        }
        return hasher.finalize()
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
                    noise: s.noise, seed: s.seed)
            }
            if spec.normalize == .standard { dataset.standardize() }
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
