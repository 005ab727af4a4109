import DSL
import Foundation
import Testing

/// Joint alignments (`networks:`), interpolations of N networks and `simplex_samples`, as specs write them.
@Suite struct JointAlignmentDecodingTests {
    static let spec = """
        lmc: 1
        name: demo
        datasets:
          d: {source: synthetic, features: 8, classes: 3, train: 100, test: 50}
        models:
          m: {kind: mlp, hidden: [16, 16]}
        recipes:
          r: {optimizer: {sgd: {lr: 0.05}}, epochs: 2}
        networks:
          a: {model: m, data: d, recipe: r, seed: 1}
          b: {model: m, data: d, recipe: r, seed: 2}
          c: {model: m, data: d, recipe: r, seed: 3}
        alignments:
          mm: {method: merge-many, networks: [a, b, c]}
          ref: {method: weight-matching, networks: [b, c], to: a}
          ba: {method: weight-matching, align: b, to: a}
        interpolations:
          all: {between: [a, b, c], permute: mm}
          pair: {between: [a, c], permute: ref}
        evaluation: {alphas: 5, simplex_samples: 4}
        """

    @Test("joint alignments decode into their own list and plan one step each; the reference is an extra last input")
    func decodesAndPlans() throws {
        let spec = try SpecDecoder().decode(Self.spec, file: "s.yaml", directory: "")
        #expect(spec.alignments.map(\.name) == ["ba"] && spec.jointAlignments.map(\.name) == ["mm", "ref"])
        #expect(spec.jointAlignments[0].value.method == .mergeMany(maxSweeps: 100, seed: 0, restarts: nil))
        #expect(spec.evaluation.simplexSamples == 4 && spec.interpolations[0].value.between.count == 3)
        let plan = try Planner().plan(spec)
        let steps = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.name, $0) })
        #expect(steps["align/mm"]?.inputs == ["train/a", "train/b", "train/c"])
        #expect(steps["align/ref"]?.inputs == ["train/b", "train/c", "train/a"])
        guard case .alignJointly(.reference, let reference)? = steps["align/ref"]?.action else {
            Issue.record("\(String(describing: steps["align/ref"]?.action))")
            return
        }
        #expect(reference == nil, "a is not among the networks ref lists")
        // The simplex: the grid of a triangle (28 points, the centroid among them) and 4 samples, each summing to 1.
        guard case .simplex(let points, _, _, _, _, let carry)? = steps["barrier/all"]?.action else {
            Issue.record("no simplex")
            return
        }
        #expect(points.count == 32 && points.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-12 && $0.allSatisfy { $0 >= 0 } })
        #expect(carry == [.member(0, input: 3), .member(1, input: 3), .member(2, input: 3)])
        #expect(["barrier/all/a~b", "barrier/all/a~c", "barrier/all/b~c"].allSatisfy { steps[$0] != nil })
        // a is ref's reference: it stays; c takes its member (index 1 of ref's networks).
        guard case .interpolate(_, _, _, _, _, _, let pairCarry)? = steps["barrier/pair"]?.action else {
            Issue.record("no pair")
            return
        }
        #expect(pairCarry == [.identity, .member(1, input: 2)] && steps["barrier/pair"]?.inputs.last == "align/ref")
    }

    @Test("straight-through over networks: joint without `to`, each to the reference with it; options decoded")
    func straightThrough() throws {
        let text = Self.spec.replacingOccurrences(
            of: "  ba: {method: weight-matching, align: b, to: a}",
            with: """
                  ba: {method: straight-through, align: b, to: a, epochs: 2, lr: 0.02}
                  ste: {method: straight-through, networks: [a, b, c], batch: 64, seed: 3}
                  ste-ref: {method: straight-through, networks: [a, b, c], to: a}
                """)
        let spec = try SpecDecoder().decode(text, file: "s.yaml", directory: "")
        #expect(
            spec.alignments[0].value.method
                == .straightThrough(epochs: 2, batchSize: 128, learningRate: 0.02, momentum: 0.9, maxSweeps: 100, seed: 0))
        let joint = Dictionary(uniqueKeysWithValues: spec.jointAlignments.map { ($0.name, $0.value.method) })
        #expect(
            joint["ste"] == .straightThrough(epochs: 1, batchSize: 64, learningRate: 0.01, momentum: 0.9, maxSweeps: 100, seed: 3)
        )
        #expect(
            joint["ste-ref"]
                == .reference(
                    .straightThrough(epochs: 1, batchSize: 128, learningRate: 0.01, momentum: 0.9, maxSweeps: 100, seed: 0)))
        let bad = Self.spec.replacingOccurrences(
            of: "  ba: {method: weight-matching, align: b, to: a}",
            with: "  ba: {method: straight-through, align: b, to: a, samples: 5}")
        #expect(throws: DiagnosticError.self) { try SpecDecoder().decode(bad, file: "s.yaml", directory: "") }
    }

    @Test("the uniform simplex samples are the same for every interpolation of N networks, and spread over the simplex")
    func samples() {
        var evaluation = EvaluationSpec.standard
        evaluation.simplexSamples = 2000
        let points = evaluation.simplexPoints(networks: 5)
        #expect(points.count == 5 + 1 + 2000 && points == evaluation.simplexPoints(networks: 5))
        let samples = points.suffix(2000)
        // Uniform on the 4-simplex: each coordinate has mean 1/5 and P(λ_i > 1/2) = (1/2)^4.
        for i in 0..<5 {
            let mean = samples.reduce(0.0) { $0 + $1[i] } / 2000
            let above = Double(samples.filter { $0[i] > 0.5 }.count) / 2000
            #expect(abs(mean - 0.2) < 0.02 && abs(above - 0.0625) < 0.02, "coordinate \(i): \(mean), \(above)")
        }
    }

    @Test(
        "each invalid joint alignment or N-network interpolation is rejected where it is written",
        arguments: [
            ("networks: [a, b, c]}", "networks: [a, b, c], align: a}", "unknown-key", "a}", "'align' does not apply"),
            ("networks: [a, b, c]}", "networks: [a, b, c], to: a}", "unknown-key", "a}", "no reference"),
            ("networks: [a, b, c]}", "networks: [a]}", "out-of-range", "[a]", "two or more"),
            ("networks: [a, b, c]}", "networks: [a, b, a]}", "duplicate-key", "a]}", "twice"),
            ("networks: [a, b, c]}", "networks: [a, b, x]}", "dangling-reference", "x]", "no network named 'x'"),
            ("method: merge-many", "method: merge-mani", "unknown-value", "merge-mani", "did you mean 'merge-many'?"),
            (
                "ref: {method: weight-matching, networks: [b, c], to: a}", "ref: {method: weight-matching, networks: [b, c]}",
                "missing-key", "{method", "'to'"
            ),
            ("networks: [a, b, c]}", "networks: [a, b, c], samples: 5}", "unknown-key", "5}", "merge-many"),
            ("permute: mm}", "permute: ba}", "wrong-kind", "ba}", "one joint alignment"),
            ("between: [a, c], permute: ref}", "between: [a, c], permute: mm, at: end}", "", "", ""),
            ("between: [a, c], permute: ref}", "between: [c, b], permute: ba}", "wrong-direction", "ba}", "aligns 'b' to 'a'"),
            ("permute: mm}", "permute: [ba, mm]}", "wrong-kind", "ba, mm", "joint alignment"),
            ("between: [a, b, c], permute: mm}", "between: [a, b, c], at: end}", "out-of-range", "end}", "end of training only"),
            ("simplex_samples: 4", "simplex_samples: -1", "out-of-range", "-1", "between 0 and"),
            (
                "pair: {between: [a, c], permute: ref}", "pair: {between: [a, c, b, a], permute: ref}", "duplicate-key",
                "a], permute", "twice"
            ),
        ])
    func rejects(original: String, replacement: String, code: String, anchor: String, message: String) {
        let text = Self.spec.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.spec, "the case does not change the spec")
        do {
            _ = try SpecDecoder().decode(text, file: "s.yaml", directory: "")
            #expect(code.isEmpty, "accepted: \(replacement)")
        } catch {
            let match = error.diagnostics.first { $0.code == code }
            #expect(match != nil, "\(code) not in \(error.diagnostics.map { "\($0.code): \($0.message)" })")
            // The anchor's first occurrence inside the replaced text.
            let start = text.range(of: replacement).flatMap { text.range(of: anchor, range: $0.lowerBound..<text.endIndex) }
            let before = start.map { text[..<$0.lowerBound] } ?? ""
            let line = before.filter { $0 == "\n" }.count + 1
            let column =
                before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            #expect(
                match?.location.line == line && match?.location.column == column,
                "\(code) at \(match.map { "\($0.location)" } ?? "-"), expected \(line):\(column)")
            #expect(match?.message.contains(message) == true, "\(match?.message ?? "")")
        }
    }
}
