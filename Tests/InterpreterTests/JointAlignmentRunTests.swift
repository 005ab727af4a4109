import DSL
import Engine
import Foundation
import Interpreter
import Testing

/// Joint alignments of N networks, N-network interpolations and cycle consistency, through specs.
@Suite struct JointAlignmentRunTests {
    /// Four networks: the lines of `networks:` replaced by the test.
    static func spec(networks: String, evaluation: String = "{alphas: 5, simplex_samples: 3, splits: {train: 200, test: all}}")
        -> String
    {
        """
        lmc: 1
        name: joint
        datasets:
          d: {source: synthetic, features: 12, classes: 3, train: 300, test: 100, seed: 4}
        models:
          m: {kind: mlp, hidden: [32, 32]}
        recipes:
          r: {optimizer: {sgd: {lr: 0.05}}, batch: 32, epochs: 3}
        networks:
        \(networks)
        alignments:
          mm: {method: merge-many, networks: [a, b, c, d]}
          amm: {method: merge-many-activations, networks: [a, b, c, d], samples: 300}
          ref: {method: weight-matching, networks: [b, c, d], to: a}
          ba: {method: weight-matching, align: b, to: a}
          cb: {method: weight-matching, align: c, to: b}
          ac: {method: weight-matching, align: a, to: c}
        interpolations:
          naive: {between: [a, b, c, d]}
          joint: {between: [a, b, c, d], permute: mm}
          activations: {between: [a, b, c, d], permute: amm}
          reference: {between: [a, b, c, d], permute: ref}
          pair: {between: [b, d], permute: mm}
        evaluation: \(evaluation)
        """
    }

    static let trained = (1...4).map { "  \(["a", "b", "c", "d"][$0 - 1]): {model: m, data: d, recipe: r, seed: \($0)}" }
        .joined(separator: "\n")

    @Test("four permuted copies of one network: every joint method aligns them exactly, and pairwise cycles close")
    func plantedCopies() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // One trained network (lmc's own, from its cache), then four random permutations of it as `load:` files.
        _ = try run(Self.spec(networks: Self.trained), in: dir)
        let objects = dir + "/cache/objects"
        let stored = try #require(
            (FileManager.default.enumerator(atPath: objects)?.allObjects as? [String])?.first {
                $0.hasSuffix("network.safetensors")
            })
        let (tensors, _) = try SafeTensors.decode(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: objects + "/" + stored))), file: "n")
        let program = try LayerProgram(.mlp(input: .init(channels: 1, height: 1, width: 12), hidden: [32, 32], classes: 3))
        let base = try Network(
            program: program, tensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) }), file: "n")
        var stream = RandomStream(seed: 5, purpose: "plant")
        var lines: [String] = []
        for name in ["a", "b", "c", "d"] {
            let copy = base.permuted(by: base.permutationSpec.randomPermutations(using: &stream))
            try Data(SafeTensors.encode(copy.namedTensors, metadata: [:])).write(
                to: URL(fileURLWithPath: "\(dir)/\(name).safetensors"))
            lines.append("  \(name): {model: m, data: d, load: \(name).safetensors}")
        }
        let outcome = try run(Self.spec(networks: lines.joined(separator: "\n")), in: dir)
        let summary = outcome.summary
        #expect(summary.failures.isEmpty, "\(summary.failures)")
        for name in ["joint", "activations", "reference"] {
            let records = summary.barriers.filter { $0.interpolation == name }
            // Six pairs and the simplex, on two splits.
            #expect(records.count == 14 && records.allSatisfy { $0.networks == 4 }, "\(name)")
            for record in records {
                #expect(
                    (record.lossBarrier ?? 1) <= 1e-6 && abs(record.errorBarrier ?? 1) <= 1e-12,
                    "\(name) \(record.from ?? "-") \(record.to ?? "-") \(record.split) \(record.lossBarrier ?? -1) \(record.errorBarrier ?? -1)"
                )
            }
        }
        let naive = summary.barriers.filter { $0.interpolation == "naive" && $0.from != nil }
        #expect(naive.contains { ($0.lossBarrier ?? 0) > 1e-3 }, "the copies are not aligned to begin with")
        let cycle = try #require(summary.cycles?.first)
        #expect(summary.cycles?.count == 1 && cycle.networks == ["a", "b", "c"] && cycle.alignments == ["ba", "cb", "ac"])
        #expect(cycle.fixed == 1 && cycle.groups.values.allSatisfy { $0 == 1 })
        let results = dir + "/results/joint"
        for file in ["cycles.csv", "simplex.csv", "joint-pairs-test.svg"] {
            #expect(FileManager.default.fileExists(atPath: "\(results)/\(file)"), "\(file)")
        }
    }

    @Test("independent networks: merge-many's pairs beat the reference's on average; the N-way record has its centroid")
    func independentNetworks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let summary = try run(Self.spec(networks: Self.trained), in: dir).summary
        let simplex = try #require(summary.interpolations["joint"])
        // Four vertices, the centroid, three samples; six pairs over five alphas.
        #expect(simplex.lambdas?.count == 8 && simplex.pairs?.count == 6 && simplex.pairs?.first?.alphas.count == 5)
        let test = try #require(simplex.splits?["test"])
        let endpoints = ["a", "b", "c", "d"].compactMap { summary.networks[$0]?["test"]?.error }
        let centroid = try #require(test.centroidError)
        #expect(abs((test.centroidExcessError ?? .nan) - (centroid - endpoints.reduce(0, +) / 4)) < 1e-12)
        let cycle = try #require(summary.cycles?.first)
        #expect(cycle.fixed < 1, "pairwise matchings of independent networks do not compose to identities")
        // The pair interpolation and the joint interpolation's b~d pair are one step.
        let pair = summary.barriers.filter { $0.interpolation == "pair" && $0.split == "test" }
        let inJoint = summary.barriers.filter {
            $0.interpolation == "joint" && $0.from == "b" && $0.to == "d" && $0.split == "test"
        }
        #expect(pair.count == 1 && inJoint.count == 1 && pair.first?.lossBarrier == inJoint.first?.lossBarrier)
    }

    @Test("changing only simplex_samples recomputes only the simplex steps")
    func samplesChangeOnlySimplices() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = { (samples: Int) in
            try Planner().plan(
                try SpecDecoder().decode(
                    Self.spec(networks: Self.trained, evaluation: "{alphas: 5, simplex_samples: \(samples)}"), file: "s.yaml",
                    directory: dir))
        }
        let (before, after) = (try plan(3), try plan(7))
        let changed = zip(before.steps, try Runner.keys(for: before)).filter { step, key in
            try! Runner.keys(for: after)[after.steps.firstIndex { $0.name == step.name }!] != key
        }.map(\.0.name)
        #expect(changed.sorted() == ["barrier/activations", "barrier/joint", "barrier/naive", "barrier/reference"])
    }

    @Test("a triangle with permute: [x, y] keeps the action and inputs it had; its pairs reuse the plain paths' steps")
    func legacyTriangleKeys() throws {
        let spec = """
            lmc: 1
            name: t
            datasets:
              d: {source: synthetic, features: 12, classes: 3, train: 300, test: 100, seed: 4}
            models:
              m: {kind: mlp, hidden: [8]}
            recipes:
              r: {optimizer: {sgd: {lr: 0.05}}, batch: 32, epochs: 1}
            networks:
              a: {model: m, data: d, recipe: r, seed: 1}
              b: {model: m, data: d, recipe: r, seed: 2}
              c: {model: m, data: d, recipe: r, seed: 3}
            alignments:
              ac: {method: weight-matching, align: a, to: c}
              bc: {method: weight-matching, align: b, to: c}
            interpolations:
              naive: {between: [a, b]}
              indirect: {between: [a, b], permute: [ac, bc]}
              triangle: {between: [a, b, c], permute: [ac, bc]}
            """
        let plan = try Planner().plan(try SpecDecoder().decode(spec, file: "s.yaml", directory: "/tmp"))
        let steps = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.name, $0) })
        let triangle = try #require(steps["barrier/triangle"])
        let json = String(decoding: try JSONEncoder().encode(triangle.action), as: UTF8.self)
        #expect(!json.contains("carry") && triangle.inputs == ["train/a", "train/b", "train/c", "align/bc", "align/ac"])
        let indirect = try #require(steps["barrier/indirect"]), ab = try #require(steps["barrier/triangle/a~b"])
        #expect(ab.action == indirect.action && ab.inputs == indirect.inputs)
        // a carried into c's order against c itself: no layout without `carry` says that.
        let ac = try #require(steps["barrier/triangle/a~c"])
        guard case .interpolate(_, _, _, _, _, _, let carry) = ac.action else { Issue.record("\(ac.action)"); return }
        #expect(carry == [.alignment(input: 2), .identity] && ac.inputs == ["train/a", "train/c", "align/ac"])
    }
}
