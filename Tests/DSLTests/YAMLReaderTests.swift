import Testing
import DSL

@Suite struct YAMLReaderTests {
    func read(_ text: String) throws(DiagnosticError) -> YAMLNode { try YAMLReader().read(text, file: "t.yaml") }

    func codes(_ text: String) -> [String] {
        do {
            _ = try read(text)
            return []
        } catch {
            return error.diagnostics.map(\.code)
        }
    }

    @Test("nodes carry 1-based line and column")
    func locations() throws {
        let root = try read("a: 1\nlist:\n  - x\n  - {k: v}\n")
        guard case .mapping(let entries) = root.content else { Issue.record("not a mapping"); return }
        #expect(entries[0].keyLocation == SourceLocation(file: "t.yaml", line: 1, column: 1))
        #expect(entries[0].value.location.column == 4)
        guard case .sequence(let items) = entries[1].value.content else { Issue.record("not a list"); return }
        #expect(items[1].location == SourceLocation(file: "t.yaml", line: 4, column: 5))
    }

    @Test("quoted scalars are not plain")
    func quoting() throws {
        let root = try read("a: '1'\nb: 1\n")
        guard case .mapping(let e) = root.content else { return }
        #expect(e[0].value.content == .scalar("1", plain: false))
        #expect(e[1].value.content == .scalar("1", plain: true))
    }

    @Test("duplicate keys are errors with a note at the first definition")
    func duplicates() {
        do {
            _ = try read("a: 1\nb: 2\na: 3\n")
            Issue.record("accepted a duplicate key")
        } catch {
            let d = error.diagnostics[0]
            #expect(d.code == "duplicate-key" && d.location.line == 3)
            #expect(d.notes.first?.location.line == 1)
        }
    }

    @Test("anchors, aliases and merge keys expand; explicit keys override merged ones")
    func aliasesAndMerge() throws {
        let root = try read("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\ncopy: *b\n")
        guard case .mapping(let e) = root.content, case .mapping(let use) = e[1].value.content else { Issue.record(); return }
        #expect(use.map(\.key).sorted() == ["x", "y"])
        #expect(use.first { $0.key == "y" }?.value.content == .scalar("3", plain: true))
        guard case .mapping(let copy) = e[2].value.content else { Issue.record(); return }
        #expect(copy.count == 2)
    }

    @Test("syntax errors, undefined aliases, second documents and alias bombs are rejected")
    func rejections() {
        #expect(codes("a: [1, 2\n") == ["yaml-syntax"])
        #expect(codes("a: *nope\n") == ["undefined-alias"])
        #expect(codes("a: 1\n---\nb: 2\n") == ["multiple-documents"])
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 {
            bomb +=
                "l\(i): &l\(i) [" + Array(repeating: "*\(i == 1 ? "a" : "l\(i - 1)")", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(codes(bomb) == ["too-large"])
        #expect(codes(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == ["too-deep"])
    }

    func diagnostics(_ text: String) -> [Diagnostic] {
        do {
            _ = try read(text)
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test("an unclosed { is reported at the end of the line where its } belongs, with a note where it opens")
    func unclosedFlowMapping() throws {
        let found = diagnostics("a: 1\nb:\n  d: {x: 1, y: 12   # the brace is missing\n\nc: 2\n")
        let error = try #require(found.first)
        #expect(error.code == "yaml-syntax" && error.location == SourceLocation(file: "t.yaml", line: 3, column: 18), "\(found)")
        #expect(error.message.contains("the flow mapping opened at 3:6 is not closed"), "\(error.message)")
        #expect(error.notes.first?.location == SourceLocation(file: "t.yaml", line: 3, column: 6))
    }

    @Test("a ${var} that breaks a flow collection gets a hint to quote it")
    func unquotedVariable() throws {
        let error = try #require(diagnostics("m: {hidden: [${w}]}\n").first)
        #expect(error.code == "yaml-syntax" && error.message.contains("quote a value that holds ${…}"), "\(error.message)")
    }
}
