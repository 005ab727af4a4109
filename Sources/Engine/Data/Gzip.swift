import CZlib

/// Decompresses gzip data with zlib.
///
/// Untrusted input: every failure is an error, never a trap.
package enum Gzip {
    /// Whether the bytes start with gzip's magic number.
    static func isCompressed(_ data: [UInt8]) -> Bool {
        data.count >= 2 && data[0] == 0x1f && data[1] == 0x8b
    }

    /// Inflates one gzip stream, refusing to produce more than `limit` bytes.
    package static func decompress(_ input: [UInt8], limit: Int = 1 << 31) throws(DataError) -> [UInt8] {
        var stream = z_stream()
        // 16 + 15: a gzip wrapper around a window of 2^15 bytes.
        guard inflateInit2_(&stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        var input = input
        try input.withUnsafeMutableBufferPointer { (inBuffer) throws(DataError) in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            repeat {
                try chunk.withUnsafeMutableBufferPointer { (outBuffer) throws(DataError) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw DataError("corrupt gzip data (zlib status \(status))")
                    }
                    output.append(contentsOf: outBuffer.prefix(outBuffer.count - Int(stream.avail_out)))
                }
                if output.count > limit { throw DataError("gzip data expands past \(limit) bytes") }
                if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                    throw DataError("truncated gzip data")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
