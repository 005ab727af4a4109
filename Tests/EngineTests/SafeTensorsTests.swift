import Foundation
import Testing
import Engine

@Suite struct SafeTensorsTests {
    @Test("a network round-trips bitwise through safetensors")
    func roundTrip() throws {
        let network = Network(program: try Fixtures.mlp([7, 5, 3]), seed: 1)
        let bytes = SafeTensors.encode(network.namedTensors, metadata: ["steps": "12"])
        let (tensors, metadata) = try SafeTensors.decode(bytes, file: "x.safetensors")
        #expect(metadata == ["steps": "12"])
        let back = try Network(
            program: network.program, tensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) }),
            file: "x.safetensors", prefixes: ["fc1", "fc2"])
        #expect(back.isBitwiseEqual(network))
    }

    /// A file in PyTorch's layout written by hand: header, then little-endian F32 data.
    static func file(header: String, data: [Float]) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json
        for v in data { out += withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        return out
    }

    @Test("reads a PyTorch-layout file with the expected values")
    func readsPyTorchLayout() throws {
        let header =
            #"{"fc1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"fc1.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#
        let (tensors, _) = try SafeTensors.decode(Self.file(header: header, data: [1, 2, 3, 4, 5, 6, -1, -2]), file: "t")
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) })
        #expect(byName["fc1.weight"] == Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(byName["fc1.bias"] == Tensor(shape: [2], scalars: [-1, -2]))
    }

    /// A file whose data section is `data` as it is (for dtypes other than F32).
    static func file(header: String, bytes data: [UInt8]) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
    }

    @Test("integer and boolean tensors (BatchNorm's num_batches_tracked) are checked and skipped")
    func skipsIntegerTensors() throws {
        // As PyTorch writes a BatchNorm: F32 statistics around an I64 scalar counter, then a BOOL mask.
        let header = """
            {"bn.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
            "bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[8,16]},\
            "bn.running_var":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},\
            "mask":{"dtype":"BOOL","shape":[3],"data_offsets":[24,27]}}
            """
        var data: [UInt8] = []
        for v: Float in [0.5, -1.5] { data += withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        data += withUnsafeBytes(of: Int64(1234).littleEndian) { Array($0) }
        for v: Float in [2, 3] { data += withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        data += [1, 0, 1]
        let (tensors, _) = try SafeTensors.decode(Self.file(header: header, bytes: data), file: "bn.safetensors")
        #expect(tensors.map(\.name) == ["bn.running_mean", "bn.running_var"])
        #expect(tensors.first?.tensor == Tensor(shape: [2], scalars: [0.5, -1.5]))
        #expect(tensors.last?.tensor == Tensor(shape: [2], scalars: [2, 3]))
    }

    @Test(
        "a skipped dtype's offsets and size are still validated",
        arguments: [
            (#"{"n":{"dtype":"I64","shape":[],"data_offsets":[0,4]}}"#, 4, "needs 8 bytes"),
            (#"{"n":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#, 4, "outside the data"),
            (#"{"n":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}}"#, 8, "belong to no tensor"),
            (
                #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"n":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#,
                6, "overlap"
            ),
            (#"{"n":{"dtype":"I64","shape":[1152921504606846976],"data_offsets":[0,8]}}"#, 8, "needs more than"),
        ])
    func skippedDTypeValidated(header: String, bytes: Int, expected: String) {
        do {
            _ = try SafeTensors.decode(
                Self.file(header: header, bytes: Array(repeating: 0, count: bytes)), file: "bad.safetensors")
            Issue.record("accepted a malformed file")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test("float dtypes other than F32 stay errors", arguments: [("F16", 2), ("BF16", 2), ("F64", 8), ("F8_E4M3", 1)])
    func otherFloatsRejected(dtype: String, size: Int) {
        let header = #"{"w":{"dtype":""# + dtype + #"","shape":[2],"data_offsets":[0,"# + "\(2 * size)" + "]}}"
        do {
            _ = try SafeTensors.decode(
                Self.file(header: header, bytes: Array(repeating: 0, count: 2 * size)), file: "h.safetensors")
            Issue.record("accepted dtype \(dtype)")
        } catch {
            #expect(error.description.contains("dtype \(dtype) is not supported"), "\(error.description)")
        }
    }

    @Test(
        "malformed files are errors naming the problem",
        arguments: [
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}"#, 3, "needs 8 bytes"),
            (#"{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, 1, "dtype F16"),
            (
                #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                2, "overlap"
            ),
            (#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, 2, "outside the data"),
            (#"not json"#, 0, "not a JSON object"),
        ])
    func malformed(header: String, floats: Int, expected: String) {
        do {
            _ = try SafeTensors.decode(
                Self.file(header: header, data: Array(repeating: 1, count: floats)), file: "bad.safetensors")
            Issue.record("accepted a malformed file")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.contains("bad.safetensors"))
        }
    }

    @Test("a header length past the end of the file is an error, not a crash")
    func headerPastEnd() {
        var bytes = Self.file(header: "{}", data: [])
        bytes[0] = 0xff
        bytes[5] = 0x7f
        #expect(throws: SafeTensors.FormatError.self) { try SafeTensors.decode(bytes, file: "x") }
        #expect(throws: SafeTensors.FormatError.self) { try SafeTensors.decode([1, 2, 3], file: "x") }
    }
}
