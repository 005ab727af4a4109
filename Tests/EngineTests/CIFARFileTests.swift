import Engine
import Foundation
import Testing

/// CIFAR files in the exact binary format, small enough to write per test.
enum CIFARFixture {
    /// The byte of plane `c` (0 red, 1 green, 2 blue) at pixel `p` (row × 32 + column) of pattern `r`.
    static func pixel(_ r: Int, plane c: Int, at p: Int) -> UInt8 { UInt8((r * 7 + c * 50 + p) % 256) }

    /// One record: its label bytes, then the three 1,024-byte planes of pattern `r`.
    static func record(labels: [UInt8], pattern r: Int) -> [UInt8] {
        labels + (0..<3).flatMap { c in (0..<1024).map { pixel(r, plane: c, at: $0) } }
    }

    /// A fresh directory under the system's temporary one.
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "lmc-cifar-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ bytes: [UInt8], _ directory: String, _ name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name))
    }

    /// Records per CIFAR-10 training file: 8 in all, so files of different lengths are concatenated in order.
    static let batchRecords = [2, 1, 2, 1, 2]

    /// CIFAR-10: training record `r` (counted over the batches in order) has label r % 10 and pattern r; test
    /// record `t` has label 9 − t and pattern t, so it holds training record t's pixels.
    static func writeCIFAR10(_ directory: String) throws {
        var r = 0
        for (i, count) in batchRecords.enumerated() {
            var bytes: [UInt8] = []
            for _ in 0..<count {
                bytes += record(labels: [UInt8(r % 10)], pattern: r)
                r += 1
            }
            try write(bytes, directory, "data_batch_\(i + 1).bin")
        }
        try write((0..<3).flatMap { record(labels: [UInt8(9 - $0)], pattern: $0) }, directory, "test_batch.bin")
    }

    /// CIFAR-100: training record `r` of 5 has coarse label 19 − r and fine label 90 + r; test record `t` of 2
    /// has coarse t and fine 99 − t.
    static func writeCIFAR100(_ directory: String) throws {
        try write((0..<5).flatMap { record(labels: [UInt8(19 - $0), UInt8(90 + $0)], pattern: $0) }, directory, "train.bin")
        try write((0..<2).flatMap { record(labels: [UInt8($0), UInt8(99 - $0)], pattern: 10 + $0) }, directory, "test.bin")
    }
}

@Suite struct CIFARFileTests {
    @Test("CIFAR-10: every batch in order, labels, and each pixel at (row, column, channel) of a 32×32×3 example")
    func loadsCIFAR10() throws {
        let dir = try CIFARFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CIFARFixture.writeCIFAR10(dir)
        let data = try Dataset.loadCIFAR(directory: dir, variant: .cifar10)
        #expect(data.shape == ImageShape(channels: 3, height: 32, width: 32) && data.features == 3072)
        #expect(data.classes == 10)
        #expect(data.train.labels == (0..<8).map { Int32($0 % 10) })
        #expect(data.test.labels == [9, 8, 7])
        #expect(data.train.inputs.count == 8 * 3072 && data.test.inputs.count == 3 * 3072)
        // A known pixel: the green plane of training record 1 (data_batch_1's second), row 5, column 7.
        let index: Int = 3072 + (5 * 32 + 7) * 3 + 1
        let byte: Int = (7 + 50 + 5 * 32 + 7) % 256  // pattern 1, plane 1, pixel 5 × 32 + 7
        #expect(data.train.inputs[index] == Float(byte) / 255)
        // Every pixel, against the file's plane-major order.
        for (split, count) in [(data.train, 8), (data.test, 3)] {
            var mismatches = 0
            for r in 0..<count {
                for y in 0..<32 {
                    for x in 0..<32 {
                        for c in 0..<3 {
                            let expected = Float(CIFARFixture.pixel(r, plane: c, at: y * 32 + x)) / 255
                            if split.inputs[r * 3072 + (y * 32 + x) * 3 + c] != expected { mismatches += 1 }
                        }
                    }
                }
            }
            #expect(mismatches == 0)
        }
    }

    @Test("CIFAR-100: fine labels (100 classes) or coarse ones (20 classes), same pixels")
    func loadsCIFAR100() throws {
        let dir = try CIFARFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CIFARFixture.writeCIFAR100(dir)
        let fine = try Dataset.loadCIFAR(directory: dir, variant: .cifar100(labels: .fine))
        let coarse = try Dataset.loadCIFAR(directory: dir, variant: .cifar100(labels: .coarse))
        #expect(fine.classes == 100 && coarse.classes == 20)
        #expect(fine.train.labels == [90, 91, 92, 93, 94] && fine.test.labels == [99, 98])
        #expect(coarse.train.labels == [19, 18, 17, 16, 15] && coarse.test.labels == [0, 1])
        #expect(fine.train.inputs == coarse.train.inputs && fine.test.inputs == coarse.test.inputs)
        #expect(fine.shape == CIFARFile.shape)
        // Blue plane of test record 1 (pattern 11), row 31, column 0: the labels take two bytes, not one.
        #expect(fine.test.inputs[3072 + (31 * 32) * 3 + 2] == Float(CIFARFixture.pixel(11, plane: 2, at: 31 * 32)) / 255)
    }

    @Test("per-channel normalisation: each channel of the training split has mean 0 and std 1; test uses the same statistics")
    func perChannel() throws {
        let dir = try CIFARFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CIFARFixture.writeCIFAR10(dir)
        var data = try Dataset.loadCIFAR(directory: dir, variant: .cifar10)
        data.standardizePerChannel()
        let values = data.train.inputs
        let perChannel = Double(values.count / 3)
        for c in 0..<3 {
            let channel = stride(from: c, to: values.count, by: 3).map { Double(values[$0]) }
            let mean = channel.reduce(0, +) / perChannel
            let variance = channel.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / perChannel
            // Each value is a Float rounding of an exact standardised Double (relative error 2⁻²⁴), so the
            // statistics of 8,192 of them are within a few 1e-7 of 0 and 1; 1e-5 leaves a margin.
            #expect(abs(mean) < 1e-5 && abs(variance.squareRoot() - 1) < 1e-5, "channel \(c): \(mean), \(variance)")
        }
        // Test record t holds training record t's pixels: both normalised alike, bit for bit.
        for t in 0..<3 {
            let test = data.test.inputs[t * 3072..<(t + 1) * 3072].map(\.bitPattern)
            #expect(test == data.train.inputs[t * 3072..<(t + 1) * 3072].map(\.bitPattern), "record \(t)")
        }
    }

    /// Each case breaks one file of a valid directory, which the error must name.
    @Test(
        "each corrupt or missing file is a DataError naming it",
        arguments: [
            ("cifar10", "data_batch_3.bin", "one byte short"), ("cifar10", "test_batch.bin", "one byte long"),
            ("cifar10", "data_batch_2.bin", "label 10"), ("cifar10", "data_batch_4.bin", "missing"),
            ("cifar10", "test_batch.bin", "empty"), ("cifar100", "train.bin", "coarse label 20"),
            ("cifar100", "test.bin", "fine label 100"), ("cifar100", "train.bin", "3073-byte records"),
            ("cifar100", "test.bin", "missing"),
        ])
    func rejectsCorrupt(source: String, file: String, change: String) throws {
        let dir = try CIFARFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let isCIFAR10 = source == "cifar10"
        if isCIFAR10 { try CIFARFixture.writeCIFAR10(dir) } else { try CIFARFixture.writeCIFAR100(dir) }
        let path = dir + "/" + file
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        switch change {
        case "one byte short": bytes.removeLast()
        case "one byte long": bytes.append(0)
        case "label 10": bytes[0] = 10
        case "coarse label 20": bytes[3074] = 20  // the second record's coarse label
        case "fine label 100": bytes[1] = 100
        case "3073-byte records": bytes = (0..<5).flatMap { CIFARFixture.record(labels: [0], pattern: $0) }
        case "empty": bytes = []
        case "missing": try FileManager.default.removeItem(atPath: path)
        default: Issue.record("unknown change '\(change)'")
        }
        if change != "missing" { try CIFARFixture.write(bytes, dir, file) }
        let variant: CIFARFile.Variant = isCIFAR10 ? .cifar10 : .cifar100(labels: .fine)
        let error = #expect(throws: DataError.self) { try Dataset.loadCIFAR(directory: dir, variant: variant) }
        #expect(error?.description.contains(file) == true, "\(error?.description ?? "no error")")
    }

    @Test("a label byte that is only wrong for the other label choice is still an error")
    func checksBothLabels() throws {
        let bytes = CIFARFixture.record(labels: [25, 3], pattern: 0)
        #expect(throws: DataError.self) { try CIFARFile.parse(bytes, variant: .cifar100(labels: .fine), file: "x.bin") }
        let record = CIFARFixture.record(labels: [5, 3], pattern: 0)
        let fine = try CIFARFile.parse(record, variant: .cifar100(labels: .fine), file: "x.bin")
        #expect(fine.labels == [3] && fine.inputs.count == 3072)
    }
}
