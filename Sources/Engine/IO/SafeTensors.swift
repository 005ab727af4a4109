import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
/// (`{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}`,
/// offsets relative to the byte after the header), then the tensor data, little-endian.
///
/// lmc stores Float32 only. Integer and boolean tensors (BatchNorm's `num_batches_tracked` is I64 in every
/// PyTorch state dict) are checked like any other and then left out; other float dtypes are errors, since
/// reading them as F32 would be wrong and converting them silently would hide a precision change. Files are
/// untrusted: every offset and size is checked before any read.
public enum SafeTensors {
    /// A malformed or unsupported file, with the tensor at fault when there is one.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Largest header accepted (the format's own reference reader uses 100 MB).
    static let maxHeaderBytes = 100_000_000

    /// Bytes per element of the dtypes that are validated and skipped: integers and booleans, which hold
    /// counters and masks, never weights lmc reads.
    static let skippedElementBytes: [String: Int] = [
        "BOOL": 1, "I8": 1, "U8": 1, "I16": 2, "U16": 2, "I32": 4, "U32": 4, "I64": 8, "U64": 8,
    ]

    /// Serialises tensors in the given order, with string metadata.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = tensor.count * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json =
            (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map { [UInt8]($0) }
            ?? [UInt8]("{}".utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for (_, tensor) in tensors {
            tensor.scalars.withUnsafeBytes { raw in
                for i in 0..<tensor.count {
                    withUnsafeBytes(of: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian) {
                        out.append(contentsOf: $0)
                    }
                }
            }
        }
        return out
    }

    /// Parses a file's bytes into named F32 tensors (in data order) and metadata.
    ///
    /// Tensors of an integer or boolean dtype (`I8` … `I64`, `U8` … `U64`, `BOOL`) are validated like the
    /// others (shape against byte range, offsets against the data) and not returned.
    ///
    /// - Parameter file: Used in error messages.
    /// - Throws: `FormatError` for a short file, a header past the end, non-JSON, a float dtype other than
    ///   F32 (F16, BF16, F64) or an unknown dtype, a shape that does not match its byte range, and offsets
    ///   that are out of range, overlap or leave gaps.
    public static func decode(_ bytes: [UInt8], file: String) throws(FormatError) -> (
        tensors: [(name: String, tensor: Tensor)], metadata: [String: String]
    ) {
        guard bytes.count >= 8 else { throw FormatError("\(file): too short for a safetensors file (\(bytes.count) bytes)") }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= UInt64(maxHeaderBytes), Int(length) <= bytes.count - 8 else {
            throw FormatError("\(file): header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        let headerEnd = 8 + Int(length)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
            let header = object as? [String: Any]
        else {
            throw FormatError("\(file): the header is not a JSON object")
        }
        let dataCount = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var entries: [(name: String, shape: [Int], begin: Int, end: Int, kept: Bool)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let meta = value as? [String: String] else {
                    throw FormatError("\(file): __metadata__ must map strings to strings")
                }
                metadata = meta
                continue
            }
            guard let info = value as? [String: Any] else {
                throw FormatError("\(file): tensor '\(name)': entry is not an object")
            }
            guard let dtype = info["dtype"] as? String else { throw FormatError("\(file): tensor '\(name)': missing dtype") }
            guard let elementBytes = dtype == "F32" ? 4 : Self.skippedElementBytes[dtype] else {
                throw FormatError("\(file): tensor '\(name)': dtype \(dtype) is not supported (lmc reads F32)")
            }
            guard let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                shape.count == (info["shape"] as? [Any])?.count, shape.allSatisfy({ $0 >= 0 })
            else {
                throw FormatError("\(file): tensor '\(name)': shape must be a list of non-negative integers")
            }
            guard let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2,
                offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataCount
            else {
                throw FormatError("\(file): tensor '\(name)': data_offsets are missing or outside the data (\(dataCount) bytes)")
            }
            var elements = 1
            for extent in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
                guard !overflow else { throw FormatError("\(file): tensor '\(name)': shape overflows") }
                elements = product
            }
            guard elements <= Int.max / elementBytes, elements * elementBytes == offsets[1] - offsets[0] else {
                let needed = elements <= Int.max / elementBytes ? "\(elements * elementBytes)" : "more than \(Int.max)"
                throw FormatError(
                    "\(file): tensor '\(name)': shape \(shape) of \(dtype) needs \(needed) bytes, data_offsets give \(offsets[1] - offsets[0])"
                )
            }
            entries.append((name, shape, offsets[0], offsets[1], dtype == "F32"))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        for entry in entries {
            guard entry.begin == cursor else {
                throw FormatError(
                    "\(file): tensor '\(entry.name)': data_offsets \(entry.begin < cursor ? "overlap the previous tensor" : "leave a gap")"
                )
            }
            cursor = entry.end
        }
        guard cursor == dataCount else { throw FormatError("\(file): \(dataCount - cursor) bytes of data belong to no tensor") }
        let tensors = entries.filter(\.kept).map { entry in
            let count = (entry.end - entry.begin) / 4
            var scalars = [Float](repeating: 0, count: count)
            for i in 0..<count {
                let o = headerEnd + entry.begin + i * 4
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                scalars[i] = Float(bitPattern: bits)
            }
            return (name: entry.name, tensor: Tensor(shape: entry.shape, scalars: scalars))
        }
        return (tensors, metadata)
    }
}

extension Network {
    /// A network of `program` from tensors by name (PyTorch's layout: weights `[out, in]`, kernels
    /// `[out, in, kh, kw]`); other tensors (such as BatchNorm's `num_batches_tracked`) are ignored.
    ///
    /// - Parameter prefixes: the file's names for the layers that own tensors, in program order, when they
    ///   differ from the layers' own names (the network keeps its own names).
    /// - Throws: `SafeTensors.FormatError` naming the first missing tensor (and the names the file has) or
    ///   wrong shape.
    public init(
        program: LayerProgram, tensors: [String: Tensor], file: String, prefixes: [String]? = nil
    ) throws(SafeTensors.FormatError) {
        var owners: [String] = []
        for p in program.parameters where owners.last != p.layer { owners.append(p.layer) }
        if let prefixes, prefixes.count != owners.count {
            throw .init("\(file): 'layers' names \(prefixes.count) layers; the model has \(owners.count) with tensors")
        }
        let rename = Dictionary(zip(owners, prefixes ?? owners), uniquingKeysWith: { a, _ in a })
        var kept: [String: Tensor] = [:]
        for p in program.parameters {
            let stored = (rename[p.layer] ?? p.layer) + "." + p.suffix
            guard let tensor = tensors[stored] else {
                let names = tensors.keys.sorted()
                let listed = names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : "")
                throw .init("\(file): no tensor '\(stored)'; the file has \(names.count): \(listed)")
            }
            guard tensor.shape == p.shape else {
                throw .init("\(file): tensor '\(stored)' has shape \(tensor.shape); the model needs \(p.shape)")
            }
            kept[p.name] = tensor
        }
        self.init(program: program, tensors: kept)
    }
}
