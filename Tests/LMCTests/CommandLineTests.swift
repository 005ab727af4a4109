import Foundation
import Testing

@Suite struct CommandLineTests {
    @Test("run prints the table and counts; a rerun is all cached; --json carries the node counts and tidy barriers")
    func runAndRerun() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try LMCProcess.run(["run", "s.yaml"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("7 nodes: 7 computed, 0 cached"))
        #expect(first.stdout.contains("naive") && first.stdout.contains("wm@end"))
        let second = try LMCProcess.run(["run", "s.yaml", "--json"], in: dir)
        #expect(second.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        let nodes = try #require(json["nodes"] as? [String: Any])
        #expect(nodes["computed"] as? Int == 0 && nodes["cached"] as? Int == 7)
        let barriers = try #require(json["barriers"] as? [[String: Any]])
        #expect(barriers.count == 2)
        #expect(
            barriers.allSatisfy {
                $0["interpolation"] is String && $0["split"] as? String == "test" && $0["error_barrier"] is Double
            })
        #expect(FileManager.default.fileExists(atPath: dir + "/results/cli/summary.json"))
        #expect(FileManager.default.fileExists(atPath: dir + "/.lmc/objects"))
    }

    @Test("plan marks cached and pending nodes; diff of an alpha change reuses every training node")
    func planAndDiff() throws {
        let variant = cliSpec.replacingOccurrences(of: "alphas: 3", with: "alphas: 5")
            .replacingOccurrences(of: "seed: 2}", with: "seed: 2}\n  c: {model: m, data: d, recipe: r, seed: 3}")
        let dir = try workspace(["s.yaml": cliSpec, "t.yaml": variant])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try LMCProcess.run(["plan", "s.yaml"], in: dir)
        #expect(before.status == 0 && before.stdout.contains("7 nodes: 0 cached, 7 to compute"), "\(before.stdout)")
        #expect(try LMCProcess.run(["run", "s.yaml"], in: dir).status == 0)
        let after = try LMCProcess.run(["plan", "s.yaml", "--json"], in: dir)
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]])
        #expect(nodes.count == 7 && nodes.allSatisfy { $0["cached"] as? Bool == true && $0["key"] is String })
        let diff = try LMCProcess.run(["diff", "s.yaml", "t.yaml", "--json"], in: dir)
        #expect(diff.status == 0, "\(diff.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(diff.stdout.utf8)) as? [String: Any])
        let reused = try #require(json["reused"] as? [String])
        #expect(["train/a", "train/b", "eval/a", "eval/b", "align/wm"].allSatisfy(reused.contains))
        let recomputed = try #require(json["recomputed"] as? [[String: String]])
        #expect(Set(recomputed.map { $0["node"] ?? "" }) == ["barrier/naive", "barrier/weight"])
        #expect(recomputed.allSatisfy { $0["because"] == "parameters" })
        #expect(json["added"] as? [String] == ["train/c", "eval/c"] && (json["removed"] as? [String])?.isEmpty == true)
        let parameters = try #require(json["parameters"] as? [[String: String]])
        #expect(parameters.contains { $0["path"] == "evaluation.alphas" && $0["old"] == "3" && $0["new"] == "5" })
        #expect(parameters.contains { $0["path"] == "networks.c" && $0["old"] == nil })
        // A new seed retrains b, and everything downstream says which input forced it.
        try cliSpec.replacingOccurrences(of: "seed: 2}", with: "seed: 5}").write(
            toFile: dir + "/u.yaml", atomically: true, encoding: .utf8)
        let reseeded = try LMCProcess.run(["diff", "s.yaml", "u.yaml"], in: dir)
        #expect(reseeded.stdout.contains("networks.b.seed: 2 -> 5"))
        #expect(reseeded.stdout.contains("recompute  train/b  (parameters)"))
        #expect(reseeded.stdout.contains("recompute  eval/b  (input train/b)"))
        #expect(reseeded.stdout.contains("reuse      train/a"))
        // --set changes a run like an edit would, and a bad one exits 2 with the argument shown.
        let overridden = try LMCProcess.run(["run", "s.yaml", "--set", "evaluation.alphas=5", "--json"], in: dir)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(overridden.stdout.utf8)) as? [String: Any])
        #expect((summary["nodes"] as? [String: Int])?["computed"] == 2, "only the two barriers change")
        let bad = try LMCProcess.run(["check", "s.yaml", "--set", "recipes.r.epochz=1"], in: dir)
        #expect(bad.status == 2 && bad.stderr.contains("--set:1:11: error: unknown key 'epochz'"), "\(bad.stderr)")
        #expect(bad.stderr.contains("    recipes.r.epochz=1\n"))
    }

    /// Python's jsonschema (and PyYAML) are part of this machine kind's image; the test fails, saying so, without them.
    @Test("the shipped experiments pass lmc check and the JSON Schema; invalid specs fail both")
    func schemaAgreesWithCheck() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let experiments = try FileManager.default.contentsOfDirectory(atPath: repository + "/experiments")
            .filter { $0.hasSuffix(".yaml") }.sorted().map { repository + "/experiments/" + $0 }
        let invalid = [
            cliSpec.replacingOccurrences(of: "epochs: 2", with: "epoch: 2"),
            cliSpec.replacingOccurrences(of: "hidden: [16]", with: "hidden: 16"),
            cliSpec.replacingOccurrences(of: "method: weight-matching", with: "method: weight-match"),
            cliSpec.replacingOccurrences(of: "lmc: 1", with: "lmc: 2"),
            cliSpec.replacingOccurrences(of: "between: [a, b]}", with: "between: [a]}"),
        ]
        let dir = try workspace(
            Dictionary(uniqueKeysWithValues: invalid.enumerated().map { ("bad\($0.offset).yaml", $0.element) }))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = invalid.indices.map { dir + "/bad\($0).yaml" }
        for file in experiments { #expect(try LMCProcess.run(["check", file], in: dir).status == 0, "\(file)") }
        for file in bad { #expect(try LMCProcess.run(["check", file], in: dir).status == 2, "\(file)") }
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            for path in sys.argv[2:]:
                errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(open(path))))
                print(path, "valid" if not errors else "invalid")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, repository + "/grammar/lmc.schema.json"] + experiments + bad
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 with jsonschema and yaml is needed: \(text)")
        for file in experiments { #expect(text.contains("\(file) valid"), "\(file): \(text)") }
        for file in bad { #expect(text.contains("\(file) invalid"), "\(file): \(text)") }
    }

    @Test("cache ls lists entries; verify finds a flipped byte (exit 1) and a rerun recomputes it; gc keeps what specs use")
    func cacheTools() throws {
        let variant = cliSpec.replacingOccurrences(of: "alphas: 3", with: "alphas: 5")
        let dir = try workspace(["s.yaml": cliSpec, "t.yaml": variant])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try LMCProcess.run(["run", "s.yaml"], in: dir).status == 0)
        let ls = try LMCProcess.run(["cache", "ls"], in: dir)
        #expect(ls.status == 0 && ls.stdout.contains("7 entries") && ls.stdout.contains("train/a"), "\(ls.stdout)")
        #expect(try LMCProcess.run(["cache", "verify"], in: dir).stdout.contains("7 entries checked, 0 corrupt"))
        // Flip one byte of a stored network.
        let objects = dir + "/.lmc/objects"
        let paths = (FileManager.default.enumerator(atPath: objects)?.allObjects as? [String] ?? [])
        let network = try #require(paths.first { $0.hasSuffix("network.safetensors") })
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: objects + "/" + network)))
        bytes[bytes.count - 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: objects + "/" + network))
        let verify = try LMCProcess.run(["cache", "verify"], in: dir)
        #expect(verify.status == 1 && verify.stdout.contains("1 corrupt") && verify.stdout.contains("checksum mismatch"))
        let rerun = try LMCProcess.run(["run", "s.yaml"], in: dir)
        #expect(rerun.status == 0 && rerun.stdout.contains("7 nodes:") && !rerun.stdout.contains("0 computed"), "\(rerun.stdout)")
        #expect(try LMCProcess.run(["cache", "verify"], in: dir).stdout.contains("7 entries checked, 0 corrupt"))
        // t.yaml shares everything but the two barriers: gc keeping only t removes those two.
        let dry = try LMCProcess.run(["cache", "gc", "t.yaml", "--dry-run"], in: dir)
        #expect(dry.stdout.contains("2 entries") && dry.stdout.contains("barrier/naive"), "\(dry.stdout)")
        #expect(try LMCProcess.run(["cache", "ls"], in: dir).stdout.contains("7 entries"))
        #expect(try LMCProcess.run(["cache", "gc", "t.yaml"], in: dir).status == 0)
        #expect(try LMCProcess.run(["cache", "ls"], in: dir).stdout.contains("5 entries"))
    }

    @Test("two runs of one spec on one cache at once: both succeed, same results, no step computed twice")
    func concurrentRuns() throws {
        let dir = try workspace(["s.yaml": slowSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func start() throws -> (Process, Pipe) {
            let out = Pipe()
            return (
                try LMCProcess.start(["run", "s.yaml", "--json", "--jobs", "1", "--threads", "1"], in: dir, stdout: out), out
            )
        }
        let runs = [try start(), try start()]
        var summaries: [[String: Any]] = []
        for (process, out) in runs {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            summaries.append(try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
        }
        let computed = summaries.compactMap { ($0["nodes"] as? [String: Int])?["computed"] }
        #expect(computed.count == 2 && computed.reduce(0, +) == 7, "each of the 7 steps computed once in all: \(computed)")
        let barriers = summaries.map(barrierRows)
        #expect(barriers[0] == barriers[1] && !barriers[0].isEmpty)
    }

    @Test("a run killed at random moments leaves nothing a rerun trusts wrongly: same results, verify clean")
    func killedRuns() throws {
        let reference = try workspace(["s.yaml": slowSpec])
        let dir = try workspace(["s.yaml": slowSpec])
        defer {
            try? FileManager.default.removeItem(atPath: reference)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let clean = try LMCProcess.run(["run", "s.yaml", "--json"], in: reference)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        var seed: UInt64 = 7
        for _ in 0..<4 {
            // SIGKILL after 10-160 ms: mid-training, mid-write or between steps.
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let delay = 0.01 + Double(seed >> 33 % 150) / 1000
            let process = try LMCProcess.start(["run", "s.yaml"], in: dir)
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        #expect(try LMCProcess.run(["cache", "verify"], in: dir).status == 0)
        let rerun = try LMCProcess.run(["run", "s.yaml", "--json"], in: dir)
        #expect(rerun.status == 0)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        #expect(
            barrierRows(summary) == barrierRows(expected) && !barrierRows(expected).isEmpty,
            "bitwise-identical barriers after the kills")
        let verify = try LMCProcess.run(["cache", "verify"], in: dir)
        #expect(verify.status == 0 && verify.stdout.contains("7 entries checked, 0 corrupt"), "\(verify.stdout)")
    }

    @Test("export writes a permuted network in PyTorch's layout that loads back and crosses the aligned path's barrier")
    func exportPermuted() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try LMCProcess.run(["export", "s.yaml", "b", "--permute", "wm", "--out", "b.safetensors"], in: dir)
        #expect(missing.status == 1 && missing.stderr.contains("not cached"))
        let first = try LMCProcess.run(["run", "s.yaml", "--json"], in: dir)
        let export = try LMCProcess.run(["export", "s.yaml", "b", "--permute", "wm", "--out", "b.safetensors"], in: dir)
        #expect(export.status == 0, "\(export.stderr)")
        // The same experiment with b read from the exported file and only the naive path.
        let reloaded =
            cliSpec.components(separatedBy: "alignments:")[0]
            .replacingOccurrences(
                of: "b: {model: m, data: d, recipe: r, seed: 2}", with: "b: {model: m, data: d, load: b.safetensors}")
            + "interpolations:\n  naive: {between: [a, b]}\nevaluation: {alphas: 3, splits: {test: all}}\n"
        try reloaded.write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let second = try LMCProcess.run(["run", "t.yaml", "--json"], in: dir)
        #expect(second.status == 0, "\(second.stderr)")
        func barrier(_ out: String, _ name: String) throws -> Double {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            let rows = try #require(json["barriers"] as? [[String: Any]])
            return try #require(rows.first { $0["interpolation"] as? String == name }?["error_barrier"] as? Double)
        }
        // The naive path to the exported permuted b is the aligned path of the first run.
        #expect(abs(try barrier(second.stdout, "naive") - barrier(first.stdout, "weight")) <= 0.02)
    }

    @Test("check prints every diagnostic compiler-style and exits 2")
    func checkDiagnostics() throws {
        let bad = cliSpec.replacingOccurrences(of: "epochs: 2", with: "epoch: 2").replacingOccurrences(
            of: "seed: 2", with: "seed: x")
        let dir = try workspace(["bad.yaml": bad])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(["check", "bad.yaml"], in: dir)
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("bad.yaml:8:48: error: unknown key 'epoch' in recipes.r; did you mean 'epochs'? [unknown-key]")
        )
        #expect(
            result.stderr.contains(
                "bad.yaml:11:43: error: networks.b.seed must be a non-negative integer; got 'x' [type-mismatch]"))
        #expect(result.stderr.contains("^"))
        let run = try LMCProcess.run(["run", "bad.yaml"], in: dir)
        #expect(run.status == 2 && !FileManager.default.fileExists(atPath: dir + "/.lmc"))
    }

    @Test("a spec that is not UTF-8 or holds NUL bytes is rejected with a location, never a crash")
    func notText() throws {
        let dir = try workspace([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data([0x6c, 0x6d, 0x63, 0x3a, 0x20, 0xff, 0xfe, 0x0a]).write(to: URL(fileURLWithPath: dir + "/bad.yaml"))
        try Data("lmc: 1\nname: a\u{0}b\n".utf8).write(to: URL(fileURLWithPath: dir + "/nul.yaml"))
        let bad = try LMCProcess.run(["check", "bad.yaml"], in: dir)
        #expect(bad.status == 2 && bad.stderr.contains("bad.yaml:1:1: error:"), "\(bad.stderr)")
        let nul = try LMCProcess.run(["check", "nul.yaml"], in: dir)
        #expect(nul.status == 2 && nul.stderr.contains("nul.yaml:"), "\(nul.stderr)")
    }

    @Test("golden: the full rendering of one diagnostic")
    func golden() throws {
        let dir = try workspace(["g.yaml": "lmc: 1\nname: g\nnetworks: {}\nmodels:\n  m: {kind: mlp, hidden: [0]}\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(["check", "g.yaml"], in: dir)
        #expect(
            result.stderr == """
                g.yaml:5:27: error: a hidden width must be between 1 and 65536; got 0 [out-of-range]
                      m: {kind: mlp, hidden: [0]}
                                              ^
                1 error

                """)
    }

    @Test("usage errors and missing files exit 2; help exits 0 and shows an example")
    func exitCodes() throws {
        let dir = try workspace([:])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try LMCProcess.run(["run", "--jobs", "0", "x.yaml"], in: dir).status == 2)
        #expect(try LMCProcess.run(["frobnicate"], in: dir).status == 2)
        #expect(try LMCProcess.run(["check", "missing.yaml"], in: dir).status == 2)
        let help = try LMCProcess.run(["run", "--help"], in: dir)
        #expect(help.status == 0 && help.stdout.contains("lmc run experiments/weak-lmc.yaml"))
    }

    @Test("a missing dataset is a runtime failure (exit 1) with an install hint")
    func missingDataset() throws {
        let spec = cliSpec.replacingOccurrences(
            of: "{source: synthetic, features: 10, classes: 3, train: 200, test: 60}",
            with: "{source: idx, path: nowhere}")
        let dir = try workspace(["s.yaml": spec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(["run", "s.yaml"], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("nowhere") && result.stderr.contains("does not exist"))
    }
}
