import DSL
import Testing

/// One mistake, one diagnostic: a mistake every copy of a `matrix:` sweep repeats is reported once, at
/// its place, naming the copies.
@Suite struct SweepDiagnosticsTests {
    static let spec = validSpec.replacingOccurrences(of: "lmc: 1\n", with: "lmc: 1\nmatrix: {w: [8, 16, 32]}\n")
        .replacingOccurrences(of: "hidden: [16, 16]", with: "hidden: [\"${w}\"], activation: tanh")

    @Test("a typo inside a swept entry is one error naming the copies")
    func typoInSweep() {
        #expect(throws: DiagnosticError.self) { try SpecDecoder().decode(Self.spec, file: "s.yaml", directory: ".") }
        do {
            _ = try SpecDecoder().decode(Self.spec, file: "s.yaml", directory: ".")
        } catch {
            let errors = error.diagnostics
            #expect(errors.count == 1, "\(error.diagnostics)")
            #expect(errors.first?.message.contains("models.m.activation must be one of relu") == true, "\(errors)")
            #expect(errors.first?.message.contains("(in the copies w=8, w=16, w=32)") == true, "\(errors)")
        }
    }

    @Test("a bad --set on a swept spec is one error naming the copies")
    func overrideOnSweep() {
        let text = Self.spec.replacingOccurrences(of: ", activation: tanh", with: "")
        do {
            _ = try SpecDecoder().decode(
                text, file: "s.yaml", directory: ".", overrides: [Override("models.m.hiden=3", index: 1)])
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.count == 1, "\(error.diagnostics)")
            #expect(error.diagnostics.first?.code == "unknown-key" && error.diagnostics.first?.location.file == "--set")
        }
    }

    @Test("a sweep copy's suffix comes out of a message, decimal points and all")
    func suffix() {
        #expect(
            DiagnosticSink.withoutCopy("recipes.r@wd=5.0e-4,w=8.epochs must be an integer")
                == ("recipes.r.epochs must be an integer", "wd=5.0e-4,w=8"))
        #expect(DiagnosticSink.withoutCopy("no layer named 'relu@3'") == ("no layer named 'relu@3'", nil))
    }

    @Test("a misspelt network in an alignment is one error, not also a wrong direction where it is used")
    func noKnockOn() {
        let text = validSpec.replacingOccurrences(of: "align: b, to: a", with: "align: bb, to: a")
        do {
            _ = try SpecDecoder().decode(text, file: "s.yaml", directory: ".")
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["dangling-reference"], "\(error.diagnostics)")
        }
    }
}
