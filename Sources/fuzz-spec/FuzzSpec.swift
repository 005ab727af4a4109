import DSL
import FuzzSupport

/// A spec in, diagnostics or a plan out: no trap, and every diagnostic points into the spec.
func checkSpec(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    // Lines as YAML counts them: CR LF, CR and LF each end one (and NEL, LS and PS, YAML 1.1's breaks).
    let breaks = text.unicodeScalars.indices.filter { i in
        let c = text.unicodeScalars[i]
        if c == "\r" { return true }
        if c == "\n" {
            return i == text.unicodeScalars.startIndex || text.unicodeScalars[text.unicodeScalars.index(before: i)] != "\r"
        }
        return c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
    }
    let lines = breaks.count + 1
    func located(_ error: DiagnosticError) {
        FuzzHarness.require(!error.diagnostics.isEmpty, "a DiagnosticError without diagnostics")
        for d in error.diagnostics {
            FuzzHarness.require(d.location.file == "fuzz.yaml", "diagnostic in \(d.location.file): \(d.message)")
            FuzzHarness.require(
                d.location.line >= 1 && d.location.line <= lines + 1 && d.location.column >= 1,
                "diagnostic at \(d.location) outside the spec's \(lines) lines: \(d.message)")
        }
    }
    do {
        let spec = try SpecDecoder().decode(text, file: "fuzz.yaml", directory: "/nonexistent")
        do { _ = try Planner().plan(spec) } catch { located(error) }
    } catch {
        located(error)
    }
}

/// The input callback libFuzzer links against (and the replay calls).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkSpec(FuzzHarness.bytes(data, size))
    return 0
}

@main enum FuzzSpec {
    static func main() { FuzzHarness.run(testOneInput) }
}
