import Foundation

/// Reads the binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky 2009, "Learning Multiple Layers of
/// Features from Tiny Images").
///
/// A file is a sequence of fixed-size records: CIFAR-10's are one label byte then 3,072 pixel bytes,
/// CIFAR-100's a coarse label byte, a fine label byte, then the pixels. The pixels are three 32 × 32 planes,
/// red, green then blue, each row by row. Decoded examples are 32 × 32 × 3, channel last (`ImageShape`).
public enum CIFARFile {
    /// Which of CIFAR-100's two labels names an example's class.
    public enum Labels: String, Sendable, Hashable, Codable, CaseIterable {
        /// The 100 classes.
        case fine
        /// The 20 superclasses.
        case coarse
    }

    /// Which CIFAR a file holds, and for CIFAR-100 which label is the class.
    public enum Variant: Sendable, Hashable {
        /// CIFAR-10: 10 classes, one label byte per record.
        case cifar10
        /// CIFAR-100: two label bytes per record, coarse (20 classes) then fine (100 classes).
        case cifar100(labels: Labels)

        /// The training files of the official binary version, in the order their records are read.
        public var trainFiles: [String] {
            switch self {
            case .cifar10: (1...5).map { "data_batch_\($0).bin" }
            case .cifar100: ["train.bin"]
            }
        }

        /// The test files of the official binary version.
        public var testFiles: [String] {
            switch self {
            case .cifar10: ["test_batch.bin"]
            case .cifar100: ["test.bin"]
            }
        }

        /// Number of classes of the chosen label.
        public var classes: Int {
            switch self {
            case .cifar10: 10
            case .cifar100(.fine): 100
            case .cifar100(.coarse): 20
            }
        }

        /// Label bytes at the start of each record.
        var labelBytes: Int {
            switch self {
            case .cifar10: 1
            case .cifar100: 2
            }
        }

        /// Bytes per record: the labels and the pixels.
        public var recordSize: Int { labelBytes + CIFARFile.shape.features }

        /// The name used in messages.
        var name: String {
            switch self {
            case .cifar10: "CIFAR-10"
            case .cifar100: "CIFAR-100"
            }
        }
    }

    /// The shape of every CIFAR image: 3 channels (red, green, blue) of 32 × 32 pixels.
    public static let shape = ImageShape(channels: 3, height: 32, width: 32)

    /// The number of records in a file of `size` bytes.
    ///
    /// - Throws: `DataError` naming `file` when the size is not a positive multiple of the record size.
    public static func recordCount(size: Int, variant: Variant, file: String) throws(DataError) -> Int {
        let (records, rest) = size.quotientAndRemainder(dividingBy: variant.recordSize)
        guard rest == 0 else {
            throw DataError(
                "\(file): \(size) bytes is not a whole number of \(variant.name) records of \(variant.recordSize) bytes")
        }
        guard records > 0 else { throw DataError("\(file): holds no \(variant.name) records") }
        return records
    }

    /// Decodes a file's bytes: pixels mapped to [0, 1] (÷ 255) and reordered to 32 × 32 × 3, and the labels.
    ///
    /// - Throws: `DataError` naming `file` when its size is not a whole number of records or a label is out of
    ///   range (both of CIFAR-100's labels are checked, whichever is chosen).
    public static func parse(_ bytes: [UInt8], variant: Variant, file: String) throws(DataError) -> Dataset.Split {
        let records = try recordCount(size: bytes.count, variant: variant, file: file)
        let recordSize = variant.recordSize, labelBytes = variant.labelBytes
        let pixels = shape.height * shape.width, channels = shape.channels
        var labels: [Int32] = []
        labels.reserveCapacity(records)
        var inputs = [Float](repeating: 0, count: records * shape.features)
        for r in 0..<records {
            let start = r * recordSize
            let label: UInt8
            switch variant {
            case .cifar10:
                label = bytes[start]
                guard label < 10 else { throw labelError(file, record: r, "label", label, classes: 10) }
            case .cifar100(let choice):
                let coarse = bytes[start], fine = bytes[start + 1]
                guard coarse < 20 else { throw labelError(file, record: r, "coarse label", coarse, classes: 20) }
                guard fine < 100 else { throw labelError(file, record: r, "fine label", fine, classes: 100) }
                label = choice == .fine ? fine : coarse
            }
            labels.append(Int32(label))
            // Planes (channel-first in the file) become the last axis: plane c, pixel p goes to p * 3 + c.
            let source = start + labelBytes, target = r * shape.features
            for c in 0..<channels {
                let plane = source + c * pixels
                for p in 0..<pixels { inputs[target + p * channels + c] = Float(bytes[plane + p]) / 255 }
            }
        }
        return Dataset.Split(inputs: inputs, labels: labels)
    }

    /// Reads and decodes one file.
    ///
    /// - Throws: `DataError` naming `path` when it cannot be read or is malformed (see `parse`).
    public static func read(_ path: String, variant: Variant) throws(DataError) -> Dataset.Split {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("cannot read \(path)") }
        return try parse([UInt8](data), variant: variant, file: path)
    }

    @inline(never)
    private static func labelError(_ file: String, record: Int, _ which: String, _ value: UInt8, classes: Int) -> DataError {
        DataError("\(file): record \(record) has \(which) \(value); labels run from 0 to \(classes - 1)")
    }
}
