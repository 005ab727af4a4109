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
