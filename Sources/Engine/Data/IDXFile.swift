import Foundation

/// Reads MNIST-style IDX files (optionally gzip'd): unsigned-byte images and labels.
///
/// Format (LeCun et al.): a 4-byte magic `00 00 08 D` (0x08 = unsigned byte, D = number of dimensions),
/// D big-endian 32-bit extents, then the bytes in row-major order.
public enum IDXFile {
    /// The raw contents of an IDX file: extents and bytes.
    public struct Contents: Sendable {
        /// The dimensions, outermost first.
        public var extents: [Int]
        /// The elements in row-major order.
        public var bytes: [UInt8]
    }

    /// Parses IDX bytes (already decompressed).
    ///
    /// - Throws: `DataError` naming `file` when the header or size is inconsistent.
    public static func parse(_ data: [UInt8], file: String) throws(DataError) -> Contents {
        guard data.count >= 4, data[0] == 0, data[1] == 0 else {
            throw DataError("\(file): not an IDX file (bad magic number)")
        }
        guard data[2] == 0x08 else { throw DataError("\(file): IDX element type \(data[2]) is not unsigned byte") }
        let dims = Int(data[3])
        guard dims >= 1, dims <= 4, data.count >= 4 + 4 * dims else {
            throw DataError("\(file): IDX header is truncated or has \(dims) dimensions")
        }
        var extents: [Int] = []
        var total = 1
        for d in 0..<dims {
            let o = 4 + 4 * d
            let extent = Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3])
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw DataError("\(file): IDX extents overflow") }
            extents.append(extent)
            total = product
        }
        let header = 4 + 4 * dims
        guard data.count - header == total else {
            throw DataError("\(file): IDX header promises \(total) bytes of data, the file holds \(data.count - header)")
        }
        return Contents(extents: extents, bytes: Array(data[header...]))
    }

    /// Reads and parses a file (see `decode`).
    public static func read(_ path: String) throws(DataError) -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError("cannot read \(path)")
        }
        return try decode([UInt8](data), file: path)
    }

    /// Parses a file's bytes, decompressing them first when they are gzip'd.
    ///
    /// - Throws: `DataError` naming `file` when the gzip stream or the IDX contents are malformed.
    public static func decode(_ data: [UInt8], file: String) throws(DataError) -> Contents {
        guard Gzip.isCompressed(data) else { return try parse(data, file: file) }
        do { return try parse(try Gzip.decompress(data), file: file) } catch { throw DataError("\(file): \(error.description)") }
    }
}
