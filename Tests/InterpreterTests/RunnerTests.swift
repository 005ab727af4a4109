import DSL
import Foundation
import Interpreter
import Engine
import Testing

/// A tiny experiment on the synthetic dataset: trains in well under a second.
let tinySpec = """
    lmc: 1
    name: tiny
    datasets:
      d: {source: synthetic, features: 12, classes: 3, train: 300, test: 100, seed: 4}
    models:
      m: {kind: mlp, hidden: [32, 32]}
    recipes:
      r:
        optimizer: {sgd: {lr: 0.05}}
        batch: 32
        epochs: 3
        checkpoints: [0, 10]
    networks:
      a: {model: m, data: d, recipe: r, seed: 1}
      b: {model: m, data: d, recipe: r, seed: 2}
    alignments:
      wm: {method: weight-matching, align: b, to: a}
      am: {method: activation-matching, align: b, to: a, samples: 200}
    interpolations:
      naive: {between: [a, b]}
      weight: {between: [a, b], permute: wm}
      activation: {between: [a, b], permute: am}
    evaluation: {alphas: 5, splits: {train: 200, test: all}}
    """

/// A fresh temporary directory per test.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "lmc-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func run(
    _ text: String, in directory: String, jobs: Int = 2, events: @escaping @Sendable (RunEvent) -> Void = { _ in }
) throws -> RunOutcome {
    let spec = try SpecDecoder().decode(text, file: "tiny.yaml", directory: directory)
    let plan = try Planner().plan(spec)
    let options = RunOptions(
        cacheDirectory: directory + "/cache", resultsDirectory: directory + "/results", jobs: jobs, threads: 2)
    return try Runner.run(plan, options: options, events: events)
}

@Suite struct RunnerTests {
    @Test("a rerun is all cache hits and gives the same summary")
    func rerunIsCached() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try run(tinySpec, in: dir)
        #expect(first.summary.nodes.computed == 9 && first.summary.nodes.cached == 0 && first.summary.failures.isEmpty)
        let second = try run(tinySpec, in: dir)
        #expect(second.summary.nodes.computed == 0 && second.summary.nodes.cached == 9)
        #expect(try first.summary.jsonData().count > 0)
        let barriers = { (s: Summary) in
            s.barriers.map { "\($0.interpolation) \($0.split) \($0.lossBarrier ?? -1) \($0.errorBarrier ?? -1)" }
        }
        #expect(barriers(first.summary) == barriers(second.summary))
        #expect(FileManager.default.fileExists(atPath: dir + "/results/tiny/summary.json"))
        #expect(FileManager.default.fileExists(atPath: dir + "/results/tiny/barriers.csv"))
    }

    @Test("changing only the alpha grid recomputes only the barrier nodes")
    func alphaChangeRecomputesBarriers() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(tinySpec, in: dir)
        let changed = try run(tinySpec.replacingOccurrences(of: "alphas: 5", with: "alphas: 3"), in: dir)
        #expect(changed.summary.nodes.computed == 3 && changed.summary.nodes.cached == 6)
    }

    @Test("renaming a network reuses its work; changing its seed does not")
    func keysCoverContentNotNames() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(tinySpec, in: dir)
        let renamed = tinySpec.replacingOccurrences(of: "  b: {", with: "  other: {")
            .replacingOccurrences(of: "align: b,", with: "align: other,").replacingOccurrences(of: "[a, b]", with: "[a, other]")
        #expect(try run(renamed, in: dir).summary.nodes.computed == 0)
        let reseeded = tinySpec.replacingOccurrences(of: "seed: 2}", with: "seed: 3}")
        // train/b, eval/b, both alignments and all three barriers depend on b.
        #expect(try run(reseeded, in: dir).summary.nodes.computed == 7)
    }

    @Test("results are identical with one job and with two")
    func jobsDoNotChangeResults() throws {
        let one = try temporaryDirectory(), two = try temporaryDirectory()
        defer { [one, two].forEach { try? FileManager.default.removeItem(atPath: $0) } }
        let serial = try run(tinySpec, in: one, jobs: 1), parallel = try run(tinySpec, in: two, jobs: 2)
        let a = String(decoding: try serial.summary.jsonData(), as: UTF8.self)
        let b = String(decoding: try parallel.summary.jsonData(), as: UTF8.self)
        #expect(a == b)
    }

    @Test("a flipped byte in a cached artifact is detected and the node recomputed")
    func corruptionIsRecomputed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try run(tinySpec, in: dir)
        let objects = dir + "/cache/objects"
        let files = (FileManager.default.enumerator(atPath: objects)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix("curve.json")
        }
        let victim = try #require(files.first)
        var bytes = try #require(FileManager.default.contents(atPath: objects + "/" + victim))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: objects + "/" + victim))
        let second = try run(tinySpec, in: dir)
        #expect(second.summary.nodes.computed == 1)
        #expect(first.summary.barriers.map(\.lossBarrier) == second.summary.barriers.map(\.lossBarrier))
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache/corrupt")
        #expect(quarantined.count == 1)
    }

    @Test("a diverging network fails by name while independent nodes finish")
    func divergenceIsIsolated() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = tinySpec.replacingOccurrences(
            of: "  b: {model: m, data: d, recipe: r, seed: 2}",
            with: "  b: {model: m, data: d, recipe: hot, seed: 2}"
        )
        .replacingOccurrences(of: "networks:\n", with: "  hot:\n    optimizer: {sgd: {lr: 90}}\n    epochs: 3\nnetworks:\n")
        let outcome = try run(text, in: dir)
        #expect(outcome.summary.failures.contains { $0.node == "train/b" && $0.error.contains("step") })
        #expect(outcome.summary.networks["a"] != nil)
        let again = try run(text, in: dir)
        #expect(again.summary.nodes.cached == 2, "train/a and eval/a stay cached; nothing of b was stored")
    }
}

@Suite struct DatasetDigestTests {
    /// A tiny IDX dataset: 20 training and 5 test images of 2×2 pixels, 3 classes.
    static func writeIDX(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func images(_ n: UInt8) -> [UInt8] {
            [0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 2, 0, 0, 0, 2] + (0..<Int(n) * 4).map { UInt8($0 % 251) }
        }
        func labels(_ n: UInt8) -> [UInt8] { [0, 0, 8, 1, 0, 0, 0, n] + (0..<Int(n)).map { UInt8($0 % 3) } }
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", images(20)), ("train-labels-idx1-ubyte", labels(20)),
            ("t10k-images-idx3-ubyte", images(5)), ("t10k-labels-idx1-ubyte", labels(5)),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: directory + "/" + name)) }
    }

    static func plan(path: String, in dir: String) throws -> Plan {
        let text = tinySpec.replacingOccurrences(
            of: "d: {source: synthetic, features: 12, classes: 3, train: 300, test: 100, seed: 4}",
            with: "d: {source: idx, path: \(path)}")
        return try Planner().plan(try SpecDecoder().decode(text, file: "s.yaml", directory: dir))
    }

    @Test("memoised file digests give the keys of a full hash; an edited file changes them, a moved folder does not")
    func memo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeIDX(to: dir + "/data")
        let cache = dir + "/cache"
        let plan = try Self.plan(path: "data", in: dir)
        let hashed = try Runner.keys(for: plan)
        // Keys never make a cache directory; in an existing one, they remember the digests.
        #expect(try Runner.keys(for: plan, cacheDirectory: cache) == hashed)
        #expect(!FileManager.default.fileExists(atPath: cache))
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        #expect(try Runner.keys(for: plan, cacheDirectory: cache) == hashed)
        #expect(FileManager.default.fileExists(atPath: cache + "/file-digests.json"))
        #expect(try Runner.keys(for: plan, cacheDirectory: cache) == hashed, "from the memo")
        try FileManager.default.moveItem(atPath: dir + "/data", toPath: dir + "/moved")
        #expect(try Runner.keys(for: try Self.plan(path: "moved", in: dir), cacheDirectory: cache) == hashed)
        // One label changed, same size: the file's time changes, so the memo does not hide the edit.
        let labels = dir + "/moved/train-labels-idx1-ubyte"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: labels)))
        bytes[8] = (bytes[8] + 1) % 3
        try Data(bytes).write(to: URL(fileURLWithPath: labels))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: labels)
        let edited = try Runner.keys(for: try Self.plan(path: "moved", in: dir), cacheDirectory: cache)
        #expect(edited[0] != hashed[0], "train/a reads the edited data")
        #expect(edited == (try Runner.keys(for: try Self.plan(path: "moved", in: dir))))
    }
}

@Suite struct ExplanationTests {
    @Test("a changed list (the alpha grid) is one difference showing both lists whole")
    func wholeLists() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(tinySpec, in: dir)
        let variant = tinySpec.replacingOccurrences(of: "alphas: 5", with: "alphas: 3")
        let plan = try Planner().plan(try SpecDecoder().decode(variant, file: "v.yaml", directory: dir))
        let barrier = try Explanation.of("barrier/naive", in: plan, cacheDirectory: dir + "/cache")
        #expect(barrier.differences.map(\.field) == ["action.interpolate.alphas"], "\(barrier.differences)")
        #expect(
            barrier.differences.first?.cached == "[0, 0.25, 0.5, 0.75, 1]" && barrier.differences.first?.wanted == "[0, 0.5, 1]")
    }

    @Test("explain names the nearest cached entry and the exact fields that differ, and the input to look at next")
    func explains() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(tinySpec, in: dir)
        let variant = tinySpec.replacingOccurrences(
            of: "b: {model: m, data: d, recipe: r, seed: 2}", with: "b: {model: m, data: d, recipe: r, seed: 7}")
        let plan = try Planner().plan(try SpecDecoder().decode(variant, file: "v.yaml", directory: dir))
        let cache = dir + "/cache"
        #expect(try Explanation.of("train/a", in: plan, cacheDirectory: cache).cached)
        let train = try Explanation.of("train/b", in: plan, cacheDirectory: cache)
        #expect(!train.cached && train.nearest == "train/b")
        #expect(train.differences.map(\.field) == ["action.train.seed"])
        #expect(train.differences.first?.cached == "2" && train.differences.first?.wanted == "7")
        let eval = try Explanation.of("eval/b", in: plan, cacheDirectory: cache)
        #expect(eval.differences.map(\.field) == ["inputs[0]"] && eval.differences.first?.input == "train/b")
        #expect(throws: UnknownName.self) { try Explanation.of("train/z", in: plan, cacheDirectory: cache) }
    }
}

@Suite struct TrajectoryTests {
    /// The tiny spec with permutations found at step 10 and at the end, applied at every checkpoint.
    static let spec = tinySpec.replacingOccurrences(
        of: "wm: {method: weight-matching, align: b, to: a}",
        with: "wm: {method: weight-matching, align: b, to: a, at: [10, end]}"
    )
    .replacingOccurrences(
        of: "  activation: {between: [a, b], permute: am}",
        with: "  series: {between: [a, b], permute: wm, at: checkpoints}\n  drift: {between: [a, b], at: checkpoints}")

    @Test("a series reports a barrier per permutation and checkpoint; a point shared by two series is one node")
    func seriesRows() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try run(Self.spec, in: dir)
        let s = outcome.summary
        #expect(s.failures.isEmpty)
        // 300 examples at batch 32: 10 updates per epoch, 30 in all.
        let rows = s.barriers.filter { $0.interpolation == "series" && $0.split == "test" }
        #expect(
            Set(rows.map { "\($0.permutation) \($0.step ?? -1)" }) == [
                "wm@step=10 0", "wm@step=10 10", "wm@step=10 30", "wm@end 0", "wm@end 10", "wm@end 30",
            ])
        #expect(s.barriers.filter { $0.interpolation == "naive" }.allSatisfy { $0.step == nil })
        // `weight` (at the end, under both permutations of wm) and `series` share the point (wm@end, end):
        // one key, identical numbers.
        let plain = s.barriers.first { $0.interpolation == "weight" && $0.split == "test" && $0.permutation == "wm@end" }
        let endPoint = rows.first { $0.permutation == "wm@end" && $0.step == 30 }
        #expect(plain?.errorBarrier == endPoint?.errorBarrier && plain?.lossBarrier == endPoint?.lossBarrier)
        // At α = 0 every point of a step is A at that step, whatever the permutation; at α = 1 it is a
        // permuted B, which computes the same function as B.
        let points = try #require(s.interpolations["series"]?.points)
        #expect(points.count == 6)
        for step in [0, 10, 30] {
            let curves = points.filter { $0.step == step }.compactMap { $0.splits["test"]?.error }
            #expect(curves.count == 2 && curves[0].first == curves[1].first, "step \(step)")
            #expect(abs((curves[0].last ?? 0) - (curves[1].last ?? 1)) <= 0.01, "step \(step)")
        }
        let csv = try String(contentsOfFile: outcome.resultsDirectory + "/barriers.csv", encoding: .utf8)
        #expect(
            csv.hasPrefix("interpolation,split,step,level,density,permutation,") && csv.contains("series,test,10,,,wm@step=10,"))
    }

    @Test("report rebuilds the same results from the cache alone, and refuses when results are missing")
    func reportFromCache() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = try Planner().plan(try SpecDecoder().decode(Self.spec, file: "tiny.yaml", directory: dir))
        let empty = RunOptions(cacheDirectory: dir + "/cache", resultsDirectory: dir + "/again", jobs: 1, threads: 1)
        #expect(throws: RunError.self) { try Runner.report(plan, options: empty) }
        let first = try run(Self.spec, in: dir)
        let report = try Runner.report(plan, options: empty)
        let files = ["summary.json", "barriers.csv", "curves.csv", "report.md", "series-test.svg", "curves-test.svg"]
        for file in files {
            let original = try Data(contentsOf: URL(fileURLWithPath: first.resultsDirectory + "/" + file))
            let rebuilt = try Data(contentsOf: URL(fileURLWithPath: report.resultsDirectory + "/" + file))
            if file == "summary.json" {
                // Only the node counts differ: the report computed nothing.
                #expect(report.summary.nodes.computed == 0 && report.summary.barriers.count == first.summary.barriers.count)
            } else {
                #expect(original == rebuilt, "\(file) differs")
            }
        }
        let markdown = try String(contentsOfFile: report.resultsDirectory + "/report.md", encoding: .utf8)
        #expect(markdown.contains("| wm@step=10 |") && markdown.contains("![series on test](series-test.svg)"))
        let svg = try String(contentsOfFile: report.resultsDirectory + "/series-test.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("wm@end") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3, "two permutations and the naive reference")
    }

    @Test("a checkpoint past the end of training fails that node by name")
    func missingCheckpoint() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = Self.spec.replacingOccurrences(of: "checkpoints: [0, 10]", with: "checkpoints: [0, 10, 500]")
            .replacingOccurrences(of: "at: [10, end]", with: "at: [500]")
        let outcome = try run(text, in: dir)
        #expect(
            outcome.summary.failures.contains { $0.node == "align/wm@step=500" && $0.error.contains("no checkpoint at step 500") }
        )
        #expect(outcome.summary.networks["a"] != nil)
    }
}

@Suite struct PruningRunTests {
    static let spec = tinySpec.replacingOccurrences(of: "checkpoints: [0, 10]", with: "checkpoints: [5]")
        .replacingOccurrences(
            of: "alignments:\n",
            with: """
                pruning:
                  ap: {network: a, levels: 3, rate: 0.4, rewind: 5}
                  bp: {network: b, levels: 3, rate: 0.4, rewind: 5}
                alignments:
                  wl: {method: weight-matching, align: bp, to: ap, at: levels}

                """
        )
        .replacingOccurrences(of: "  naive: {between: [a, b]}", with: "  naive: {between: [ap, bp], at: levels}")
        .replacingOccurrences(
            of: "  weight: {between: [a, b], permute: wm}", with: "  weight: {between: [ap, bp], permute: wm, at: levels}"
        )
        .replacingOccurrences(
            of: "  activation: {between: [a, b], permute: am}", with: "  level: {between: [ap, bp], permute: wl, at: levels}")

    @Test("IMP levels: density falls by the rate each level, per-level permutations pair with their level, all cached on rerun")
    func levels() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try run(Self.spec, in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        let rows = outcome.summary.barriers.filter { $0.split == "test" }
        for name in ["naive", "weight", "level"] {
            let series = rows.filter { $0.interpolation == name }.sorted { ($0.level ?? -1) < ($1.level ?? -1) }
            #expect(series.map(\.level) == [0, 1, 2, 3], "\(name)")
            let densities = series.compactMap(\.density)
            #expect(densities.first == 1 && zip(densities, densities.dropFirst()).allSatisfy { $1 < $0 }, "\(densities)")
            // The hidden layers lose 40% of what remains per level; the small output layer 20%.
            #expect(abs((densities.last ?? 0) - 0.216) < 0.03, "\(densities)")
        }
        #expect(rows.filter { $0.interpolation == "level" }.map(\.permutation).sorted() == (0...3).map { "wl@level=\($0)" })
        #expect(rows.filter { $0.interpolation == "weight" }.allSatisfy { $0.permutation == "wm@end" })
        let again = try run(Self.spec, in: dir)
        #expect(again.summary.nodes.computed == 0)
    }

    @Test("steps of one plan that share a key (the dense alignment and the per-level one at level 0) run once, silently")
    func sharedKeysRunOnce() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plan = try Planner().plan(try SpecDecoder().decode(Self.spec, file: "t.yaml", directory: dir))
        let keys = try Runner.keys(for: plan, cacheDirectory: dir + "/cache")
        #expect(Set(keys).count < keys.count, "the spec has no steps with one key")
        let warnings = Locked<[String]>([])
        let outcome = try run(Self.spec, in: dir) { event in
            if case .warning(let message) = event { warnings.withLock { $0.append(message) } }
        }
        #expect(outcome.summary.failures.isEmpty)
        #expect(outcome.summary.nodes.computed == Set(keys).count)
        #expect(warnings.withLock { $0 }.isEmpty)
    }

    @Test("mask transport: b retrained under a's mask carried by wm, as it is, and shuffled; all evaluated, all cached")
    func transport() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = Self.spec.replacingOccurrences(
            of: "alignments:\n",
            with: """
                masked:
                  b-pi: {network: b, rewind: 5, mask: ap, level: 2, transport: wm}
                  b-same: {network: b, rewind: 5, mask: ap, level: 2, transport: as-is}
                  b-random: {network: b, rewind: 5, mask: ap, level: 2, transport: random, seed: 3}
                alignments:

                """)
        let plan = try Planner().plan(try SpecDecoder().decode(text, file: "t.yaml", directory: dir))
        let names = plan.steps.map(\.name)
        #expect(try #require(names.firstIndex(of: "mask/b-pi")) > #require(names.firstIndex(of: "align/wm")))
        let outcome = try run(text, in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        let errors = ["b-pi", "b-same", "b-random"].compactMap { outcome.summary.networks[$0]?["test"]?.error }
        #expect(errors.count == 3 && Set(errors).count > 1, "the three masks train different networks: \(errors)")
        #expect(try run(text, in: dir).summary.nodes.computed == 0)
    }
}

@Suite struct ThreeNetworkTests {
    static let spec = tinySpec.replacingOccurrences(
        of: "  b: {model: m, data: d, recipe: r, seed: 2}",
        with: "  b: {model: m, data: d, recipe: r, seed: 2}\n  c: {model: m, data: d, recipe: r, seed: 3}"
    )
    .replacingOccurrences(
        of: "  am: {method: activation-matching, align: b, to: a, samples: 200}",
        with: "  ac: {method: weight-matching, align: a, to: c}\n  bc: {method: weight-matching, align: b, to: c}"
    )
    .replacingOccurrences(
        of: "  activation: {between: [a, b], permute: am}",
        with: "  indirect: {between: [a, b], permute: [ac, bc]}\n  triangle: {between: [a, b, c], permute: [ac, bc]}")

    @Test("indirect paths and triangles: labels, the grid, and a vertex that is exactly the reference network")
    func triangle() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try run(Self.spec, in: dir)
        let s = outcome.summary
        #expect(s.failures.isEmpty)
        #expect(s.barriers.first { $0.interpolation == "indirect" }?.permutation == "via-c")
        let triangle = try #require(s.interpolations["triangle"])
        let lambdas = try #require(triangle.lambdas)
        #expect(lambdas.count == 28 && triangle.between == ["a", "b", "c"])
        let test = try #require(triangle.splits?["test"])
        let vertexC = try #require(lambdas.firstIndex(of: [0, 0, 1]))
        #expect(test.error?[vertexC] == s.networks["c"]?["test"]?.error, "λ = (0, 0, 1) is c itself")
        #expect((test.errorBarrier ?? -1) >= 0 && test.centroidError != nil)
        let row = try #require(s.barriers.first { $0.interpolation == "triangle" && $0.split == "test" })
        #expect(row.centroidError == test.centroidError && row.errorBarrier == test.errorBarrier)
        #expect(FileManager.default.fileExists(atPath: outcome.resultsDirectory + "/triangle-simplex-test.svg"))
        let csv = try String(contentsOfFile: outcome.resultsDirectory + "/simplex.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 2 * 28)
    }

    @Test("a REPAIRed triangle of MLPs keeps its vertices bit for bit and changes the points inside")
    func repairedTriangle() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = Self.spec.replacingOccurrences(
            of: "  triangle: {between: [a, b, c], permute: [ac, bc]}",
            with: "  triangle: {between: [a, b, c], permute: [ac, bc]}\n"
                + "  repaired: {between: [a, b, c], permute: [ac, bc], repair: true}")
        let s = try run(text, in: dir).summary
        #expect(s.failures.isEmpty, "\(s.failures)")
        let plain = try #require(s.interpolations["triangle"]?.splits?["test"]?.loss)
        let repaired = try #require(s.interpolations["repaired"]?.splits?["test"]?.loss)
        let lambdas = try #require(s.interpolations["repaired"]?.lambdas)
        let vertices = lambdas.indices.filter { lambdas[$0].contains(1) }
        #expect(vertices.count == 3 && vertices.allSatisfy { plain[$0] == repaired[$0] })
        let third: Double = 2.0 / 6  // the grid has 6 steps per edge
        let centroid = try #require(lambdas.firstIndex(of: [third, third, third]))
        #expect(plain[centroid] != repaired[centroid])
    }
}

@Suite struct ThreadDeterminismTests {
    /// Layers large enough (64×128×64 products) to take the GEMM's threaded path.
    static let spec = """
        lmc: 1
        name: threads
        datasets:
          d: {source: synthetic, features: 64, classes: 4, train: 512, test: 128, seed: 1}
        models:
          m: {kind: mlp, hidden: [128, 128]}
        recipes:
          r: {optimizer: {sgd: {lr: 0.05}}, batch: 64, epochs: 2}
        networks:
          a: {model: m, data: d, recipe: r, seed: 1}
          b: {model: m, data: d, recipe: r, seed: 2}
        alignments:
          am: {method: activation-matching, align: b, to: a, samples: 512}
        interpolations:
          aligned: {between: [a, b], permute: am}
        evaluation: {alphas: 3}
        """

    /// Every stored file of a run, by path inside the cache's objects directory.
    static func storedFiles(_ cache: String) throws -> [String: Data] {
        let objects = cache + "/objects"
        let paths = (FileManager.default.enumerator(atPath: objects)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix("manifest.json") && $0.contains(".") }
        return Dictionary(
            uniqueKeysWithValues: try paths.map { ($0, try Data(contentsOf: URL(fileURLWithPath: objects + "/" + $0))) })
    }

    @Test("the same spec on 1 and 2 threads stores bitwise-identical weights and results")
    func sameBitsOnOneAndTwoThreads() throws {
        var stores: [[String: Data]] = []
        for threads in [1, 2] {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let plan = try Planner().plan(try SpecDecoder().decode(Self.spec, file: "t.yaml", directory: dir))
            let options = RunOptions(
                cacheDirectory: dir + "/cache", resultsDirectory: dir + "/results", jobs: 1, threads: threads)
            _ = try Runner.run(plan, options: options) { _ in }
            stores.append(try Self.storedFiles(dir + "/cache"))
        }
        #expect(stores[0].keys.contains { $0.hasSuffix("network.safetensors") })
        // Six steps, each with its result file(s) and key.json.
        #expect(stores[0].count == 12 && stores[0] == stores[1])
    }

    /// A conv net whose norms take the fused ReLU's backward, the weight gradient's parallel pieces and
    /// pooling; `scripts/sanitize thread` runs it too.
    @Test("a GroupNorm conv net trained and evaluated on 1 and 2 threads stores bitwise-identical files")
    func convSameBitsOnOneAndTwoThreads() throws {
        let spec = """
            lmc: 1
            name: conv-threads
            datasets:
              d: {source: synthetic, features: 256, shape: [1, 16, 16], classes: 4, train: 256, test: 64, seed: 1}
            models:
              m: {kind: vgg, layers: [1, M, 2, M], width: 8, norm: groupnorm}
            recipes:
              r: {optimizer: {sgd: {lr: 0.05, momentum: 0.9}}, batch: 64, epochs: 2}
            networks:
              a: {model: m, data: d, recipe: r, seed: 1}
            """
        var stores: [[String: Data]] = []
        for threads in [1, 2] {
            let dir = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let plan = try Planner().plan(try SpecDecoder().decode(spec, file: "t.yaml", directory: dir))
            let options = RunOptions(
                cacheDirectory: dir + "/cache", resultsDirectory: dir + "/results", jobs: 1, threads: threads)
            _ = try Runner.run(plan, options: options) { _ in }
            stores.append(try Self.storedFiles(dir + "/cache"))
        }
        #expect(stores[0].keys.contains { $0.hasSuffix("network.safetensors") })
        #expect(stores[0].count >= 4 && stores[0] == stores[1])
    }
}

@Suite struct ResultFolderTests {
    @Test("a report's folder holds only the plots it links: an earlier run's stale plots are removed")
    func stalePlotsRemoved() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let results = dir + "/results/tiny"
        _ = try run(tinySpec, in: dir)
        #expect(FileManager.default.fileExists(atPath: results + "/curves-train.svg"))
        _ = try run(tinySpec.replacingOccurrences(of: "splits: {train: 200, test: all}", with: "splits: {test: all}"), in: dir)
        let report = try String(contentsOfFile: results + "/report.md", encoding: .utf8)
        let plots = try FileManager.default.contentsOfDirectory(atPath: results).filter { $0.hasSuffix(".svg") }
        #expect(!plots.contains("curves-train.svg") && plots.contains("curves-test.svg"), "\(plots)")
        #expect(plots.allSatisfy { report.contains("](\($0))") }, "\(plots)")
        // The rebuild command names the cache the results came from (here not the default).
        #expect(report.contains("`lmc report tiny.yaml --cache-dir \(dir)/cache`"), "\(report.prefix(300))")
    }
}

@Suite struct EvaluationBatchTests {
    @Test("evaluation.batch changes how many examples pass at once, never the results or the keys")
    func batchIsSpeedOnly() throws {
        let (first, second) = (try temporaryDirectory(), try temporaryDirectory())
        defer { for dir in [first, second] { try? FileManager.default.removeItem(atPath: dir) } }
        let small = tinySpec.replacingOccurrences(of: "evaluation: {alphas: 5,", with: "evaluation: {batch: 7, alphas: 5,")
        let plan = try Planner().plan(try SpecDecoder().decode(small, file: "tiny.yaml", directory: first))
        #expect(plan.evaluation.batchSize == 7)
        let a = try run(small, in: first), b = try run(tinySpec, in: second)
        #expect(a.summary.failures.isEmpty && b.summary.failures.isEmpty)
        #expect(try a.summary.jsonData() == b.summary.jsonData())
        let defaultPlan = try Planner().plan(try SpecDecoder().decode(tinySpec, file: "tiny.yaml", directory: first))
        #expect(try Runner.keys(for: plan) == Runner.keys(for: defaultPlan))
    }
}

@Suite struct SweepResultTests {
    static let spec =
        tinySpec
        .replacingOccurrences(of: "lmc: 1\n", with: "lmc: 1\nmatrix: {w: [8, 16], lr: [0.05, 5.0e-3]}\n")
        .replacingOccurrences(of: "hidden: [32, 32]", with: "hidden: [\"${w}\"]")
        .replacingOccurrences(of: "optimizer: {sgd: {lr: 0.05}}", with: "optimizer: {sgd: {lr: \"${lr}\"}}")

    @Test("a sweep over two variables: every CSV has a column per variable, and the report plots and links its barriers")
    func twoVariables() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try run(Self.spec, in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        let results = dir + "/results/tiny"
        for file in ["barriers.csv", "curves.csv", "endpoints.csv"] {
            let text = try String(contentsOfFile: results + "/" + file, encoding: .utf8)
            let header = text.prefix { $0 != "\n" }.split(separator: ",").map(String.init)
            #expect(header.contains("w") && header.contains("lr"), "\(file): \(header)")
            let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let (w, lr) = (try #require(header.firstIndex(of: "w")), try #require(header.firstIndex(of: "lr")))
            #expect(
                Set(rows.map { String($0[w]) }) == ["8", "16"] && Set(rows.map { String($0[lr]) }) == ["0.05", "5.0e-3"],
                "\(file)")
        }
        let report = try String(contentsOfFile: results + "/report.md", encoding: .utf8)
        let plots = try FileManager.default.contentsOfDirectory(atPath: results).filter { $0.hasSuffix(".svg") }
        #expect(plots.contains { $0.hasPrefix("sweep-") }, "\(plots)")
        // Every plot the report links exists, and every plot there is linked.
        let linked = report.matches(of: /\]\(([^)]+\.svg)\)/).map { String($0.1) }
        #expect(!linked.isEmpty && Set(linked) == Set(plots), "linked \(linked), present \(plots)")
        // Numeric sweep values in numeric order (8 before 16), one line per value of the second variable.
        #expect(report.contains("| interpolation | 8 | 16 |"), "\(report)")
        #expect(report.contains("| naive (identity), lr=5.0e-3 |") && report.contains("| naive (identity), lr=0.05 |"))
    }
}

@Suite struct ReadableNumberTests {
    @Test("errors lose float noise, losses keep 6 significant digits")
    func rounding() {
        #expect(ReadableNumber.error(0.20814999999999997) == 0.20815)
        #expect(ReadableNumber.error(0.1003) == 0.1003 && ReadableNumber.error(0) == 0)
        #expect(ReadableNumber.error(6.938893903907228e-18) == 0 && ReadableNumber.error(-1e-13) == 0)
        #expect(ReadableNumber.loss(1.2345678) == 1.23457 && ReadableNumber.loss(0.0070296612) == 0.00702966)
    }

    @Test("summary.json and the CSV files carry numbers as people read them, and say their units")
    func summaryFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(tinySpec, in: dir)
        let results = dir + "/results/tiny"
        let csv = try String(contentsOfFile: results + "/barriers.csv", encoding: .utf8)
        for row in csv.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            let (loss, error) = (String(fields[fields.count - 2]), String(fields[fields.count - 1]))
            // Written already rounded: rounding again changes nothing.
            let (l, e) = (try #require(Double(loss)), try #require(Double(error)))
            #expect(ReadableNumber.loss(l) == l && ReadableNumber.error(e) == e, "\(loss), \(error)")
        }
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: results + "/summary.json")))
                as? [String: Any])
        let units = try #require(json["units"] as? [String: String])
        #expect(units["error_barrier"]?.contains("fraction") == true && units["loss"]?.contains("cross-entropy") == true)
    }
}
