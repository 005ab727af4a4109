import Engine
import FuzzSupport

/// An IDX file, gzip'd or not: a data error naming the file, or contents whose bytes fill their extents.
func checkIDX(_ bytes: [UInt8]) {
    do {
        let contents = try IDXFile.decode(bytes, file: "fuzz.idx")
        FuzzHarness.require(!contents.extents.isEmpty && contents.extents.count <= 4, "\(contents.extents.count) extents")
        FuzzHarness.require(
            contents.bytes.count == contents.extents.reduce(1, *),
            "\(contents.bytes.count) bytes for extents \(contents.extents)")
    } catch {
        FuzzHarness.require(error.description.contains("fuzz.idx"), "an error that does not name the file: \(error)")
    }
}

/// The input callback libFuzzer links against (and the replay calls).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkIDX(FuzzHarness.bytes(data, size))
    return 0
}

@main enum FuzzIDX {
    static func main() { FuzzHarness.run(testOneInput) }
}
