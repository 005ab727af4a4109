import DSL
import Testing

@Suite struct OverrideTests {
    func decode(_ overrides: [String]) throws(DiagnosticError) -> Spec {
        try SpecDecoder().decode(
            validSpec, file: "s.yaml", directory: ".",
            overrides: overrides.enumerated().map { Override($0.element, index: $0.offset + 1) })
    }

    @Test("--set replaces values anywhere in the tree, with YAML values, checked like the file")
    func applies() throws {
        let spec = try decode(["recipes.r.epochs=7", "evaluation.alphas=[0, 0.5, 1]", "networks.b.seed=9"])
        #expect(spec.recipes.first?.value.epochs == 7)
        #expect(spec.evaluation.alphas == [0, 0.5, 1])
        #expect(spec.networks.first { $0.name == "b" }?.value.seed == 9)
    }

    @Test("bad overrides are all reported, located in the argument")
    func errors() {
        do {
            _ = try decode(["recipes.r.epochs=0", "recipez.r.epochs=3", "novalue", "evaluation.alphas=[1,"])
            Issue.record("accepted")
        } catch {
            let found = error.diagnostics.map { "\($0.code) \($0.location)" }
            #expect(found.contains("out-of-range --set:1:18"), "\(found)")
            #expect(found.contains("bad-override --set:2:1"), "\(found)")
            #expect(found.contains("bad-override --set:3:1"), "\(found)")
            #expect(found.contains("bad-override --set:4:19"), "\(found)")
            #expect(error.diagnostics.contains { $0.message.contains("did you mean 'recipes'?") })
        }
    }
}
