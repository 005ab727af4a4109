import Foundation
import Testing

/// Command-line conventions a researcher expects on the first day, and `check` catching what it can
/// before anything runs.
@Suite struct CommandConventionTests {
    @Test("lmc --version prints the version and exits 0")
    func version() throws {
        let result = try LMCProcess.run(["--version"], in: NSTemporaryDirectory())
        #expect(result.status == 0 && result.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    }

    @Test("output that cannot be written is a failure, not a success")
    func fullStandardOutput() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = LMCProcess.binary
        process.arguments = ["check", "s.yaml"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let err = Pipe()
        process.standardError = err
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1 && message.contains("cannot write to standard output"), "\(message)")
    }

    @Test("a negative --threads or --jobs says what is wrong with it", arguments: ["--threads", "--jobs"])
    func negativeCount(_ flag: String) throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(["run", "s.yaml", flag, "-1"], in: dir)
        #expect(result.status == 2 && result.stderr.contains("\(flag) must be at least 1; got -1"), "\(result.stderr)")
    }

    @Test("plan, explain and diff leave no cache directory behind")
    func readOnlyCommands() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for arguments in [["plan", "s.yaml"], ["explain", "s.yaml", "train/a"], ["diff", "s.yaml", "s.yaml"]] {
            _ = try LMCProcess.run(arguments, in: dir)
            #expect(!FileManager.default.fileExists(atPath: dir + "/.lmc"), "\(arguments[0]) made .lmc")
        }
    }

    @Test("diff takes --set, applied to the new spec")
    func diffWithOverride() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(["diff", "s.yaml", "s.yaml", "--set", "networks.b.seed=5"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("networks.b.seed: 2 -> 5") && result.stdout.contains("recompute  train/b"), "\(result.stdout)")
    }

    @Test("check finds a missing load: file, and a file whose tensor names do not fit, listing the file's names")
    func checkReadsLoadedFiles() throws {
        let spec = cliSpec.replacingOccurrences(
            of: "  b: {model: m, data: d, recipe: r, seed: 2}",
            with: "  b: {model: m, data: d, load: other.safetensors}\n  c: {model: m, data: d, load: missing.safetensors}")
        let dir = try workspace(["s.yaml": spec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A state dict of an nn.Sequential: layers named "0" and "2", not fc1 and fc2.
        let header = """
            {"0.weight":{"dtype":"F32","shape":[16,10],"data_offsets":[0,640]},"0.bias":{"dtype":"F32","shape":[16],"data_offsets":[640,704]},\
            "2.weight":{"dtype":"F32","shape":[3,16],"data_offsets":[704,896]},"2.bias":{"dtype":"F32","shape":[3],"data_offsets":[896,908]}}
            """
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        let bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + [UInt8](repeating: 0, count: 908)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/other.safetensors"))
        let result = try LMCProcess.run(["check", "s.yaml"], in: dir)
        #expect(result.status == 2)
        #expect(result.stderr.contains("s.yaml:12:3: error: network 'c': no file"), "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "s.yaml:11:3: error: network 'b': other.safetensors: no tensor 'fc1.weight'; the file has 4: 0.bias, 0.weight")
                && result.stderr.contains("layers: [prefix, …]"), "\(result.stderr)")
        // Naming the layers fixes it; only the missing file is left.
        try workspaceWrite(
            dir, "s.yaml",
            spec.replacingOccurrences(of: "load: other.safetensors}", with: "load: other.safetensors, layers: [\"0\", \"2\"]}"))
        let fixed = try LMCProcess.run(["check", "s.yaml"], in: dir)
        #expect(
            fixed.status == 2 && !fixed.stderr.contains("network 'b'") && fixed.stderr.contains("network 'c'"), "\(fixed.stderr)")
        // A run stops before computing anything, with the same message and exit status 2.
        let run = try LMCProcess.run(["run", "s.yaml"], in: dir)
        #expect(run.status == 2 && run.stderr.contains("network 'c': no file"), "\(run.stderr)")
    }

    private func workspaceWrite(_ dir: String, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: dir + "/" + name))
    }

    @Test(
        "a bare name that exists only as sweep copies names the copies, with exit status 2 in every command",
        arguments: [
            ["export", "s.yaml", "b", "--out", "b.safetensors"], ["explain", "s.yaml", "train/b"],
            ["verify-permutations", "s.yaml", "b"],
        ])
    func sweptName(_ arguments: [String]) throws {
        let swept = cliSpec.replacingOccurrences(of: "lmc: 1\n", with: "lmc: 1\nmatrix: {w: [8, 16]}\n")
            .replacingOccurrences(of: "hidden: [16]", with: "hidden: [\"${w}\"]")
        let dir = try workspace(["s.yaml": swept])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(arguments, in: dir)
        #expect(result.status == 2, "\(arguments[0]): \(result.status) \(result.stderr)")
        #expect(
            result.stderr.contains("it is swept, name one of its copies:") && result.stderr.contains("b@w=8, "),
            "\(result.stderr)")
    }

    @Test("diff reports a renamed network's steps as renames, not as removed and reused")
    func diffRenames() throws {
        let renamed = cliSpec.replacingOccurrences(of: "  a: {model", with: "  x: {model")
            .replacingOccurrences(of: "to: a}", with: "to: x}").replacingOccurrences(of: "[a, b]", with: "[x, b]")
        let dir = try workspace(["s.yaml": cliSpec, "t.yaml": renamed])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try LMCProcess.run(["diff", "s.yaml", "t.yaml"], in: dir)
        #expect(text.status == 0 && text.stdout.contains("rename     train/a -> train/x"), "\(text.stdout)")
        #expect(!text.stdout.contains("  remove ") && !text.stdout.contains("reuse      train/x"), "\(text.stdout)")
        let json = try LMCProcess.run(["diff", "s.yaml", "t.yaml", "--json"], in: dir)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let renames = try #require(object["renamed"] as? [[String: String]])
        #expect(
            renames.contains { $0["from"] == "eval/a" && $0["to"] == "eval/x" }
                && (object["removed"] as? [String])?.isEmpty == true)
    }

    @Test("explain names a changed field where the spec writes it")
    func explainSpecPaths() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try LMCProcess.run(["run", "s.yaml"], in: dir).status == 0)
        let train = try LMCProcess.run(
            ["explain", "s.yaml", "train/b", "--set", "recipes.r.epochs=3", "--set", "networks.b.seed=9"], in: dir)
        #expect(
            train.stdout.contains("  recipes.r.epochs: cached 2, now 3")
                && train.stdout.contains("  networks.b.seed: cached 2, now 9"), "\(train.stdout)")
        let align = try LMCProcess.run(["explain", "s.yaml", "align/wm", "--set", "alignments.wm.max_sweeps=5"], in: dir)
        #expect(align.stdout.contains("  alignments.wm.max_sweeps: cached 100, now 5"), "\(align.stdout)")
        let barrier = try LMCProcess.run(["explain", "s.yaml", "barrier/naive", "--set", "evaluation.alphas=5"], in: dir)
        #expect(
            barrier.stdout.contains("  evaluation.alphas: cached [0, 0.5, 1], now [0, 0.25, 0.5, 0.75, 1]"), "\(barrier.stdout)")
    }
}
