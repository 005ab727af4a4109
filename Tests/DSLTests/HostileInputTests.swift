import DSL
import Foundation
import Testing

/// Inputs built to break a parser: each must be rejected (or accepted) with diagnostics that carry a
/// location, never a crash or a hang.
@Suite struct HostileInputTests {
    /// Decodes and plans; returns the diagnostics, empty when the spec is accepted.
    static func diagnostics(_ text: String) -> [Diagnostic] {
        do {
            _ = try Planner().plan(try SpecDecoder().decode(text, file: "h.yaml", directory: "."))
            return []
        } catch {
            return error.diagnostics
        }
    }

    static func expectLocated(_ diagnostics: [Diagnostic], _ what: String) {
        #expect(!diagnostics.isEmpty, "\(what): accepted")
        for d in diagnostics {
            #expect(d.location.file == "h.yaml" && d.location.line >= 1 && d.location.column >= 1, "\(what): \(d)")
        }
    }

    static let corpus: [(String, String)] = {
        let deepLists: String = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let deepMaps: String = String(repeating: "{a: ", count: 5000) + "1" + String(repeating: "}", count: 5000)
        let longLine: String = "lmc: 1\nname: " + String(repeating: "x", count: 5 << 20) + "\n"
        let binary: String = String(decoding: (0..<256).map { UInt8($0) }, as: UTF8.self)
        var cases: [(String, String)] = []
        cases.append(("empty file", ""))
        cases.append(("only a comment", "# nothing\n"))
        cases.append(("binary bytes", binary))
        cases.append(("NUL bytes", "lmc: 1\nname: a\u{0}b\n"))
        cases.append(("5,000-deep nesting", deepLists))
        cases.append(("5,000-deep mappings", deepMaps))
        cases.append(("tabs for indentation", "lmc: 1\nname: t\nnetworks:\n\ta: {model: m}\n"))
        cases.append(("duplicate keys", "lmc: 1\nname: d\nname: e\nnetworks: {}\n"))
        cases.append(("a scalar document", "42\n"))
        cases.append(("a list document", "- lmc\n- 1\n"))
        cases.append(("unterminated quote", "lmc: 1\nname: \"open\n"))
        cases.append(("a 5 MB line", longLine))
        cases.append(("replacement characters", "lmc: 1\nname: \u{FFFD}\u{FFFD}\nnetworks: {}\n"))
        cases.append(("a key that is a mapping", "? {a: 1}\n: 2\n"))
        return cases
    }()

    @Test("the hostile corpus is rejected with located errors")
    func hostile() {
        for (what, text) in Self.corpus { Self.expectLocated(Self.diagnostics(text), what) }
    }

    @Test("an alias bomb of a billion nodes is stopped, with a location")
    func aliasBomb() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text +=
                "l\(i): &l\(i) [" + Array(repeating: "*\(i == 1 ? "a" : "l\(i - 1)")", count: 10).joined(separator: ", ") + "]\n"
        }
        let start = Date()
        Self.expectLocated(Self.diagnostics(text), "alias bomb")
        #expect(Date().timeIntervalSince(start) < 10, "the bomb must be stopped early, not expanded")
    }

    /// The shipped experiments, read from the repository.
    static var experiments: [(name: String, text: String)] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.filter { $0.hasSuffix(".yaml") } ?? []
        return names.sorted().compactMap { name in
            (try? String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)).map { (name, $0) }
        }
    }

    @Test("every shipped experiment decodes and plans")
    func shippedExperimentsAreValid() {
        #expect(Self.experiments.count >= 4)
        for (name, text) in Self.experiments { #expect(Self.diagnostics(text).isEmpty, "\(name)") }
    }

    /// Seeded mutations of every shipped experiment, each accepted or rejected with located errors.
    ///
    /// A value replaced by one of the wrong type, a key misspelt, the file cut off mid-line.
    @Test("random mutations of the shipped experiments never crash and every rejection is located")
    func mutations() {
        let replacements = ["[1, 2]", "{a: 1}", "-3", "0", "1e400", "\"text\"", "~", "true", "*undefined", "&x 5"]
        for (name, text) in Self.experiments {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var stream = SplitMix(state: UInt64(truncatingIfNeeded: name.utf8.reduce(42) { $0 &* 31 &+ Int($1) }))
            for trial in 0..<60 {
                var mutated = lines
                let i = stream.below(lines.count)
                let line = lines[i]
                switch trial % 3 {
                case 0:
                    // Replace the value after the first ": " on the line.
                    guard let colon = line.range(of: ": ") else { continue }
                    mutated[i] = String(line[..<colon.upperBound]) + replacements[stream.below(replacements.count)]
                case 1:
                    // Misspell a key: drop one of its letters.
                    guard let colon = line.firstIndex(of: ":"), line.distance(from: line.startIndex, to: colon) > 1 else {
                        continue
                    }
                    var chars = Array(line)
                    chars.remove(at: line.distance(from: line.startIndex, to: colon) - 1)
                    mutated[i] = String(chars)
                default:
                    // Truncate the file in the middle of a line.
                    mutated = Array(lines[..<i]) + [String(line.prefix(line.count / 2))]
                }
                let diagnostics = Self.diagnostics(mutated.joined(separator: "\n"))
                for d in diagnostics {
                    #expect(d.location.line >= 1 && d.location.column >= 1, "\(name) trial \(trial): \(d)")
                }
            }
        }
    }
}

/// A small seeded generator (SplitMix64), so the mutations are the same on every run.
struct SplitMix {
    var state: UInt64

    mutating func below(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
    }
}
