import Engine
import FuzzSupport

/// A CIFAR binary file read as each variant: a data error naming the file, or one label in range and one
/// 32 × 32 × 3 image in [0, 1] per record.
func checkCIFAR(_ bytes: [UInt8]) {
    for variant in [CIFARFile.Variant.cifar10, .cifar100(labels: .fine), .cifar100(labels: .coarse)] {
        do {
            let split = try CIFARFile.parse(bytes, variant: variant, file: "fuzz.bin")
            FuzzHarness.require(split.labels.count * variant.recordSize == bytes.count, "\(split.labels.count) records")
            FuzzHarness.require(split.inputs.count == split.labels.count * CIFARFile.shape.features, "inputs per record")
            FuzzHarness.require(split.labels.allSatisfy { $0 >= 0 && $0 < variant.classes }, "a label out of range")
            FuzzHarness.require(split.inputs.allSatisfy { $0 >= 0 && $0 <= 1 }, "a pixel outside [0, 1]")
        } catch {
            FuzzHarness.require(error.description.contains("fuzz.bin"), "an error that does not name the file: \(error)")
        }
    }
}

/// The input callback libFuzzer links against (and the replay calls).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkCIFAR(FuzzHarness.bytes(data, size))
    return 0
}

@main enum FuzzCIFAR {
    static func main() { FuzzHarness.run(testOneInput) }
}
