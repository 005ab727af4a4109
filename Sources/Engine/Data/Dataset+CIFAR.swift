import Foundation

extension Dataset {
    /// The files of a directory holding the binary version of CIFAR-10 or CIFAR-100, training files first
    /// (CIFAR-10: `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`; CIFAR-100: `train.bin`, `test.bin`).
    ///
    /// - Throws: `DataError` naming the directory and the first missing file.
    public static func cifarFiles(in directory: String, variant: CIFARFile.Variant) throws(DataError) -> (
        train: [String], test: [String]
    ) {
        func paths(_ names: [String]) throws(DataError) -> [String] {
            var paths: [String] = []
            for name in names {
                let path = directory + "/" + name
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw DataError("no \(name) in \(directory) (the binary version of \(variant.name))")
                }
                paths.append(path)
            }
            return paths
        }
        return (try paths(variant.trainFiles), try paths(variant.testFiles))
    }

    /// Loads the binary version of CIFAR-10 or CIFAR-100: 3 × 32 × 32 images, pixel values mapped to [0, 1].
    ///
    /// The training split is the training files' records in order. Every file's size is checked before any is
    /// read, and each split is allocated once at the size its files' lengths give.
    ///
    /// - Throws: `DataError` naming the file that is missing, unreadable, not a whole number of records, or
    ///   holds a label out of range.
    public static func loadCIFAR(directory: String, variant: CIFARFile.Variant) throws(DataError) -> Dataset {
        let files = try cifarFiles(in: directory, variant: variant)
        func split(_ paths: [String]) throws(DataError) -> Split {
            var total = 0
            for path in paths { total += try CIFARFile.recordCount(size: size(of: path), variant: variant, file: path) }
            var result = Split(inputs: [], labels: [])
            result.inputs.reserveCapacity(total * CIFARFile.shape.features)
            result.labels.reserveCapacity(total)
            for path in paths {
                let part = try CIFARFile.read(path, variant: variant)
                result.inputs += part.inputs
                result.labels += part.labels
            }
            return result
        }
        return Dataset(
            shape: CIFARFile.shape, classes: variant.classes, train: try split(files.train), test: try split(files.test))
    }

    /// A file's size in bytes.
    private static func size(of path: String) throws(DataError) -> Int {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw DataError("cannot read \(path): \(error.localizedDescription)")
        }
        if let size = attributes[.size] as? Int { return size }
        if let size = attributes[.size] as? NSNumber { return size.intValue }
        throw DataError("cannot read the size of \(path)")
    }
}
