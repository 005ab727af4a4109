import Foundation
import Testing

/// The one-node cluster `scripts/slurm-cluster up` starts on this machine (installing Slurm and munge when
/// missing), started once per test process.
enum SlurmCluster {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Why the cluster could not be started, or nil when it is up.
    ///
    /// The script's output goes to a file, not a pipe (the daemons it starts must not be able to hold
    /// this process's reads open), and `timeout` bounds a package installation or a cluster that never
    /// comes up.
    static let startFailure: String? = {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("lmc-slurm-up-\(getpid()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        guard FileManager.default.createFile(atPath: log.path, contents: nil),
            let output = try? FileHandle(forWritingTo: log)
        else { return "cannot create \(log.path)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["600", repository + "/scripts/slurm-cluster", "up"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { return "cannot run scripts/slurm-cluster: \(error)" }
        process.waitUntilExit()
        try? output.close()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let reason = process.terminationStatus == 124 ? "timed out after 600 s" : "failed"
            FileHandle.standardError.write(Data("Slurm tests skipped: scripts/slurm-cluster up \(reason): \(text)\n".utf8))
            return text
        }
        return nil
    }()

    static var isUp: Bool { startFailure == nil }

    /// Runs a Slurm client command and returns its output.
    static func command(_ tool: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }
}

/// Fast polling, so the tests do not wait on the default two seconds.
private let fastPolling = ["LMC_SLURM_POLL_SECONDS": "0.2"]

/// Longest a Slurm run of the tests' specs may take before it is stopped and its test failed: jobs that
/// stay pending (a node that went down) would otherwise keep the run, and the suite, waiting forever.
private let runLimit: TimeInterval = 300

/// The nodes a run's progress says it submitted, with their job ids.
private func submitted(_ stderr: String) -> [String: String] {
    var jobs: [String: String] = [:]
    for line in stderr.split(separator: "\n") where line.contains("] submitted as Slurm job ") {
        let node = line.dropFirst().prefix { $0 != "]" }
        jobs[String(node)] = line.split(separator: " ").last.map(String.init)
    }
    return jobs
}

/// A summary without its node counts, which differ between a first run and a rerun.
private func results(_ dir: String, _ name: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)/cli/summary.json"))
    var summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    summary["nodes"] = nil
    return String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self)
}

@Suite(
    .serialized,
    .enabled(if: SlurmCluster.isUp, "needs the one-node Slurm cluster of scripts/slurm-cluster (root, Debian's slurm packages)"))
struct SlurmTests {
    @Test("a Slurm run gives the local run's results bit for bit, one job per computed step; a rerun submits nothing")
    func matchesLocal() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let local = try LMCProcess.run(["run", "s.yaml", "--cache-dir", "local", "--results-dir", "local-results"], in: dir)
        #expect(local.status == 0, "\(local.stderr)")
        let first = try LMCProcess.run(
            ["run", "s.yaml", "--executor", "slurm"], in: dir, environment: fastPolling, timeLimit: runLimit)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("7 nodes: 7 computed, 0 cached"), "\(first.stdout)")
        let jobs = submitted(first.stderr)
        #expect(Set(jobs.keys).count == 7 && Set(jobs.values).count == 7, "\(first.stderr)")
        #expect(try results(dir, "results") == results(dir, "local-results"))
        let second = try LMCProcess.run(
            ["run", "s.yaml", "--executor", "slurm"], in: dir, environment: fastPolling, timeLimit: runLimit)
        #expect(second.status == 0 && second.stdout.contains("7 nodes: 0 computed, 7 cached"), "\(second.stdout)")
        #expect(submitted(second.stderr).isEmpty, "\(second.stderr)")
    }

    @Test("a job cancelled mid-run fails the run naming its step and job; a rerun submits only what is missing")
    func cancelledJob() throws {
        let spec = cliSpec.replacingOccurrences(of: "train: 200", with: "train: 3000")
            .replacingOccurrences(of: "epochs: 2", with: "epochs: 600")
            .replacingOccurrences(of: "hidden: [16]", with: "hidden: [128, 128]")
        let dir = try workspace(["s.yaml": spec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let err = Pipe()
        let process = try LMCProcess.start(
            ["run", "s.yaml", "--executor", "slurm"], in: dir, stderr: err, environment: fastPolling)
        DispatchQueue.global().asyncAfter(deadline: .now() + runLimit) { if process.isRunning { process.terminate() } }
        // Cancel train/a once it runs (it takes a few seconds).
        var cancelled: String?
        for _ in 0..<300 where cancelled == nil {
            Thread.sleep(forTimeInterval: 0.1)
            for line in SlurmCluster.command("squeue", ["--noheader", "--format=%i %j %T"]).split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count == 3, fields[1] == "lmc:train/a", fields[2] == "RUNNING" {
                    cancelled = String(fields[0])
                    _ = SlurmCluster.command("scancel", [String(fields[0])])
                }
            }
        }
        // A job that never ran (the node down) would leave the run waiting: stop it, then fail below.
        if cancelled == nil { process.terminate() }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let job = try #require(cancelled, "train/a never ran: \(stderr)")
        #expect(process.terminationStatus == 1)
        #expect(stderr.contains("[train/a] FAILED: Slurm job \(job) CANCELLED"), "\(stderr)")
        let failed = Set(
            stderr.split(separator: "\n").filter { $0.contains("] FAILED: ") }.map { String($0.dropFirst().prefix { $0 != "]" }) }
        )
        // Everything downstream of train/a failed with it; train/b's branch finished and stays cached.
        #expect(failed == ["train/a", "eval/a", "align/wm", "barrier/naive", "barrier/weight"], "\(stderr)")
        let rerun = try LMCProcess.run(
            ["run", "s.yaml", "--executor", "slurm"], in: dir, environment: fastPolling, timeLimit: runLimit)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Set(submitted(rerun.stderr).keys) == failed, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("7 nodes: 5 computed, 2 cached"), "\(rerun.stdout)")
    }
}

@Suite struct SlurmSubmissionTests {
    @Test("--dry-run prints the sbatch commands, dependencies as shell variables, and computes nothing")
    func dryRun() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try LMCProcess.run(
            ["run", "s.yaml", "--executor", "slurm", "--dry-run", "--partition", "gpu", "--sbatch=--mem=1G --qos=x"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("j") }
        #expect(lines.count == 7, "\(result.stdout)")
        #expect(lines.allSatisfy { $0.contains("--partition=gpu") && $0.contains("--mem=1G --qos=x") })
        // barrier/weight waits for both trainings and the alignment, by their variables.
        let weight = try #require(lines.last)
        #expect(weight.hasPrefix("j6=$(sbatch --parsable --job-name=lmc:barrier/weight"))
        #expect(weight.contains("--dependency=afterok:$j0:$j2:$j4"), "\(weight)")
        let objects = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/.lmc/objects")) ?? []
        #expect(objects.isEmpty)
        let local = try LMCProcess.run(["run", "s.yaml", "--dry-run"], in: dir)
        #expect(local.status == 2 && local.stderr.contains("--executor slurm"))
    }

    @Test("a worker that cannot see the plan fails saying what the cache must provide; one for a cached step exits 0 at once")
    func worker() throws {
        let dir = try workspace(["s.yaml": cliSpec])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let blind = try LMCProcess.run(["worker", "--cache-dir", "elsewhere", "--plan", "abc123", "00ff"], in: dir)
        #expect(blind.status == 1)
        #expect(
            blind.stderr.contains("does not see the driver's cache") && blind.stderr.contains("every node sees"),
            "\(blind.stderr)")
        // The dry run stores the plan; its first job's worker command computes train/a.
        let script = try LMCProcess.run(["run", "s.yaml", "--executor", "slurm", "--dry-run"], in: dir).stdout
        let first = try #require(script.split(separator: "\n").first { $0.hasPrefix("j0=") })
        let words = first.split(separator: " ")
        let plan = try #require(words.firstIndex(of: "--plan").map { String(words[$0 + 1]) })
        let key = try #require(words.last.map { String($0.prefix { $0.isHexDigit }) })
        let computed = try LMCProcess.run(["worker", "--plan", plan, key], in: dir)
        #expect(computed.status == 0 && computed.stdout.contains("train/a: computed"), "\(computed.stderr)")
        let again = try LMCProcess.run(["worker", "--plan", plan, key], in: dir)
        #expect(again.status == 0 && again.stdout.contains("already cached"), "\(again.stdout)")
        // A step whose input is not cached yet fails naming the input.
        let eval = try #require(script.split(separator: "\n").first { $0.hasPrefix("j3=") })
        let evalKey = try #require(eval.split(separator: " ").dropLast(2).last.map { String($0.prefix { $0.isHexDigit }) })
        let missing = try LMCProcess.run(["worker", "--plan", plan, evalKey], in: dir)
        #expect(missing.status == 1 && missing.stderr.contains("its input train/b"), "\(missing.stderr)")
    }
}
