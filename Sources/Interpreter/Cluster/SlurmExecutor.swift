import DSL
import Foundation

/// How to submit a plan's steps to Slurm.
public struct SlurmOptions: Sendable {
    public var partition: String?
    public var time: String?
    /// Cores per job, also the worker's thread count.
    public var cpusPerTask: Int
    /// Further `sbatch` arguments, passed as they are.
    public var extraArguments: [String]
    /// The `lmc` program the jobs run (an absolute path every node sees).
    public var executable: String
    /// Seconds between looks at the queue.
    public var pollInterval: Double

    public init(
        partition: String?, time: String?, cpusPerTask: Int, extraArguments: [String], executable: String,
        pollInterval: Double = 2
    ) {
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.extraArguments = extraArguments
        self.executable = executable
        self.pollInterval = pollInterval
    }
}

/// Runs a plan's uncached steps as Slurm jobs, one per step, with `afterok` dependencies mirroring the
/// plan, over a cache every node sees; then assembles the results exactly as a local run does.
///
/// Slurm schedules; lmc only submits, watches and reads the cache. Each job runs `lmc worker`, which
/// computes its step under the key's lease and writes the entry atomically, so any number of runs and
/// jobs can share the cache.
public enum SlurmExecutor {
    /// One step to submit.
    struct Submission {
        /// The step's index in the plan.
        var step: Int
        /// Indices (into the submissions) of the jobs it must wait for.
        var waitsFor: [Int]
        /// `sbatch` arguments other than the dependency.
        var arguments: [String]
        /// The job's log, with `%j` standing for the job id.
        var log: String
    }

    struct Prepared {
        var keys: [String]
        var toCompute: [Bool]
        var artifacts: [Artifact?]
        var submissions: [Submission]
    }

    /// The `sbatch` commands a run would issue, as a shell script.
    ///
    /// Dependencies go through shell variables. Stores the frozen plan the jobs read, and nothing else.
    public static func script(_ plan: Plan, options: RunOptions, slurm: SlurmOptions) throws -> String {
        let prepared = try prepare(plan, options: options, slurm: slurm, events: { _ in })
        var lines = [
            "#!/bin/sh",
            "# \(plan.name): \(prepared.submissions.count) of \(plan.steps.count) steps to compute as Slurm jobs",
            "set -e",
        ]
        for (n, submission) in prepared.submissions.enumerated() {
            let dependency =
                submission.waitsFor.isEmpty
                ? []
                : [
                    "--dependency=afterok:" + submission.waitsFor.map { "$j\($0)" }.joined(separator: ":"),
                    "--kill-on-invalid-dep=yes",
                ]
            let words =
                (["sbatch", "--parsable"] + submission.arguments).map(shellQuoted)
                + dependency.map { "\"\($0)\"" }
            lines.append("# \(plan.steps[submission.step].name)")
            lines.append("j\(n)=$(" + words.joined(separator: " ") + ")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Submits, waits for every job, and writes the results.
    ///
    /// A job that fails, is cancelled or times out is reported by step name, job id and log; the jobs
    /// waiting for it are cancelled. Everything that finished stays cached, so a rerun submits only what
    /// is missing.
    public static func run(
        _ plan: Plan, options: RunOptions, slurm: SlurmOptions, events: @escaping @Sendable (RunEvent) -> Void
    ) throws -> RunOutcome {
        var prepared = try prepare(plan, options: options, slurm: slurm, events: events)
        let total = plan.steps.count
        events(.planned(total: total, cached: total - prepared.submissions.count))
        let client = SlurmClient()
        let store = ContentStore(root: absolute(options.cacheDirectory))
        var jobs: [String] = []
        for submission in prepared.submissions {
            let dependency =
                submission.waitsFor.isEmpty
                ? []
                : [
                    "--dependency=afterok:" + submission.waitsFor.map { jobs[$0] }.joined(separator: ":"),
                    "--kill-on-invalid-dep=yes",
                ]
            let name = plan.steps[submission.step].name
            do {
                jobs.append(try client.submit(submission.arguments + dependency))
            } catch {
                client.cancel(jobs)
                throw RunError(description: "\(name): \(error); the \(jobs.count) jobs submitted before it were cancelled")
            }
            events(.submitted(node: name, job: jobs[jobs.count - 1]))
        }
        let failures = try watch(plan, prepared: prepared, jobs: jobs, store: store, client: client, slurm: slurm, events: events)
        var missing: [Summary.Failure] = []
        for submission in prepared.submissions where failures[submission.step] == nil {
            let step = plan.steps[submission.step]
            guard step.isReported else { continue }
            do {
                prepared.artifacts[submission.step] = try Artifact.decode(
                    step, files: try store.read(prepared.keys[submission.step]))
            } catch {
                missing.append(.init(node: step.name, error: "its job finished but its result cannot be read: \(error)"))
            }
        }
        var byName: [String: Artifact] = [:]
        for (step, artifact) in zip(plan.steps, prepared.artifacts) { byName[step.name] = artifact }
        let failed = prepared.submissions.compactMap { s in
            failures[s.step].map { Summary.Failure(node: plan.steps[s.step].name, error: $0) }
        }
        let computed = prepared.submissions.count - failed.count - missing.count
        let counts = Summary.NodeCounts(
            total: total, computed: computed, cached: total - prepared.submissions.count, failed: failed.count + missing.count)
        return try Runner.finish(plan, artifacts: byName, counts: counts, failures: failed + missing, options: options)
    }

    /// Polls the queue until every job has left it; returns each failed step's message, by step index.
    private static func watch(
        _ plan: Plan, prepared: Prepared, jobs: [String], store: ContentStore, client: SlurmClient, slurm: SlurmOptions,
        events: @Sendable (RunEvent) -> Void
    ) throws -> [Int: String] {
        enum State: Equatable { case queued, running, done, failed }
        var states = [State](repeating: .queued, count: jobs.count)
        var failures: [Int: String] = [:]
        var runningSince: [Int: Date] = [:]
        var lastCounts = [Int]()
        var queueErrors = 0
        while states.contains(where: { $0 == .queued || $0 == .running }) {
            Thread.sleep(forTimeInterval: slurm.pollInterval)
            let queue: [String: String]
            do {
                queue = try client.queue()
                queueErrors = 0
            } catch {
                queueErrors += 1
                // The controller may be restarting; give up only after about a minute of failures.
                if Double(queueErrors) * slurm.pollInterval > 60 {
                    throw RunError(
                        description: "\(error); the jobs are still in Slurm's hands, and a rerun reuses what they finish")
                }
                continue
            }
            // Plan order: a failed input is marked before the jobs waiting for it are looked at.
            for (n, submission) in prepared.submissions.enumerated() where states[n] == .queued || states[n] == .running {
                let name = plan.steps[submission.step].name
                if let inputFailure = submission.waitsFor.first(where: { states[$0] == .failed }) {
                    client.cancel([jobs[n]])
                    states[n] = .failed
                    failures[submission.step] =
                        "not run: its input \(plan.steps[prepared.submissions[inputFailure].step].name) failed"
                    events(.failed(node: name, message: failures[submission.step] ?? ""))
                    continue
                }
                if let state = queue[jobs[n]], state != "COMPLETED", state != "FAILED", state != "CANCELLED", state != "TIMEOUT" {
                    if state != "PENDING", states[n] == .queued {
                        states[n] = .running
                        runningSince[n] = Date()
                        events(.running(node: name, job: jobs[n]))
                    }
                    continue
                }
                if store.contains(prepared.keys[submission.step]) {
                    states[n] = .done
                    let seconds = client.finalState(of: jobs[n])?.seconds ?? runningSince[n].map { Date().timeIntervalSince($0) }
                    events(.finished(node: name, seconds: seconds ?? 0))
                } else {
                    states[n] = .failed
                    failures[submission.step] = failure(job: jobs[n], log: submission.log, client: client)
                    events(.failed(node: name, message: failures[submission.step] ?? ""))
                }
            }
            let counts = [State.queued, .running, .done, .failed].map { s in states.filter { $0 == s }.count }
            if counts != lastCounts {
                lastCounts = counts
                events(.jobs(queued: counts[0], running: counts[1], done: counts[2], failed: counts[3]))
            }
        }
        return failures
    }

    /// Why a job left the queue without writing its entry, with its log's last line (the worker's error).
    private static func failure(job: String, log: String, client: SlurmClient) -> String {
        let path = log.replacingOccurrences(of: "%j", with: job)
        let lastLine = (FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(whereSeparator: \.isNewline).last.map(String.init)
        var message = "Slurm job \(job)"
        if let final = client.finalState(of: job) {
            message += " \(final.state) (exit \(final.exitCode)\(final.reason == "None" ? "" : ", \(final.reason)"))"
            if final.state == "COMPLETED" { message += " without writing its result: does the node see the same cache?" }
        } else {
            message += " ended without writing its result"
        }
        message += "; log: \(path)"
        if let lastLine { message += ": \(lastLine)" }
        return message
    }

    /// Keys, what is cached, the frozen plan, and one submission per step to compute.
    private static func prepare(
        _ plan: Plan, options: RunOptions, slurm: SlurmOptions, events: @Sendable (RunEvent) -> Void
    ) throws -> Prepared {
        let cache = absolute(options.cacheDirectory)
        let memo = FileDigestMemo(directory: cache)
        let described = try Runner.describe(
            plan, digests: try Runner.digests(plan, DatasetProvider(datasets: plan.datasets, memo: memo)))
        memo.save()
        let keys = described.map(\.key)
        let store = ContentStore(root: cache)
        var toCompute = keys.map { !store.contains($0) }
        let artifacts = CachedArtifacts.load(plan, keys: keys, store: store, toCompute: &toCompute, events: events)
        let planID: String
        do { planID = try FrozenPlan.store(plan, cacheDirectory: cache) } catch {
            throw RunError(description: "cannot store the plan for the workers in \(cache): \(error)")
        }
        let logs = "\(cache)/slurm/\(planID)"
        do { try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true) } catch {
            throw RunError(description: "cannot create \(logs) for the jobs' logs: \(error)")
        }
        var submissionOf: [String: Int] = [:]
        var submissions: [Submission] = []
        for (i, step) in plan.steps.enumerated() where toCompute[i] {
            let log = "\(logs)/\(step.name.replacingOccurrences(of: "/", with: "-")).%j.log"
            let worker = [
                slurm.executable, "worker", "--cache-dir", cache, "--plan", planID, "--threads", "\(slurm.cpusPerTask)", keys[i],
            ]
            var arguments = [
                "--job-name=lmc:\(step.name)", "--output=\(log)", "--chdir=\(FileManager.default.currentDirectoryPath)",
                "--cpus-per-task=\(slurm.cpusPerTask)",
            ]
            if let partition = slurm.partition { arguments.append("--partition=\(partition)") }
            if let time = slurm.time { arguments.append("--time=\(time)") }
            arguments += slurm.extraArguments
            arguments.append("--wrap=exec " + worker.map(shellQuoted).joined(separator: " "))
            submissionOf[step.name] = submissions.count
            submissions.append(
                Submission(step: i, waitsFor: step.inputs.compactMap { submissionOf[$0] }, arguments: arguments, log: log))
        }
        return Prepared(keys: keys, toCompute: toCompute, artifacts: artifacts, submissions: submissions)
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Single-quoted for `sh`, unless the word needs no quoting.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./:=,@%+".unicodeScalars.contains($0)
        }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
