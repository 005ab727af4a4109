import Engine
import FuzzSupport

/// A safetensors file in: a format error naming the file, or tensors whose bytes match their shapes.
func checkSafeTensors(_ bytes: [UInt8]) {
    do {
        let (tensors, _) = try SafeTensors.decode(bytes, file: "fuzz.safetensors")
        for (name, tensor) in tensors {
            FuzzHarness.require(
                tensor.scalars.count == tensor.shape.reduce(1, *), "\(name): \(tensor.scalars.count) scalars for \(tensor.shape)")
            FuzzHarness.require(tensor.scalars.count * 4 <= bytes.count, "\(name): more scalars than the file has bytes")
        }
    } catch {
        FuzzHarness.require("\(error)".contains("fuzz.safetensors"), "an error that does not name the file: \(error)")
    }
}

/// The input callback libFuzzer links against (and the replay calls).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkSafeTensors(FuzzHarness.bytes(data, size))
    return 0
}

@main enum FuzzSafeTensorsTarget {
    static func main() { FuzzHarness.run(testOneInput) }
}
