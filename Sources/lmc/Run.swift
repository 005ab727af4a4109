import ArgumentParser
import Foundation
import Interpreter

/// `lmc run FILE…`: execute specs, reusing every cached step.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiments; only steps whose inputs changed are computed.",
        discussion: """
            Progress goes to stderr; the results table and "N nodes: X computed, Y cached" to stdout, and
            results/<name>/summary.json, barriers.csv, curves.csv and endpoints.csv to disk.

            Example:
              lmc run experiments/weak-lmc.yaml
              lmc run experiments/weak-lmc.yaml --json | jq '.barriers[] | select(.split == "test")'
              lmc run experiments/weak-lmc.yaml --executor slurm --cache-dir /shared/lmc --cpus-per-task 2
            """
    )

    @Argument(help: "Spec files to run.")
    var files: [String]

    @OptionGroup var override: OverrideOptions

    // `.unconditional`: a negative value is read as the value (and rejected in `validate`), not as a flag.
    @Option(parsing: .unconditional, help: "Steps that may run at the same time (default: the number of cores).")
    var jobs: Int?

    @Option(parsing: .unconditional, help: "Threads in all, shared by the running steps (default: the number of cores).")
    var threads: Int?

    @OptionGroup var cache: CacheOptions

    @Option(name: .customLong("results-dir"), help: "Where results/<name>/ go.")
    var resultsDirectory = "results"

    @Flag(help: "Print the summary as JSON on stdout instead of tables.")
    var json = false

    @OptionGroup(title: "Executor") var executor: ExecutorOptions

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1; got \(jobs)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1; got \(threads)") }
    }

    func run() throws {
        let plans = try files.map { try SpecLoader.plan($0, overrides: override.overrides).plan }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let options = RunOptions(
            cacheDirectory: cache.directory,
            resultsDirectory: resultsDirectory, jobs: jobs ?? cores, threads: threads ?? cores)
        var failed = false
        for plan in plans {
            let progress = ProgressPrinter()
            let outcome: RunOutcome
            let placement = executor.resolved(for: plan)
            if executor.dryRun && placement.kind != .slurm {
                throw InvalidInput(message: "--dry-run prints Slurm submissions: use it with --executor slurm")
            }
            do {
                switch placement.kind {
                case .local:
                    outcome = try Runner.run(plan, options: options) { progress.handle($0) }
                case .slurm where executor.dryRun:
                    print(
                        try SlurmExecutor.script(plan, options: options, slurm: executor.slurmOptions(placement)), terminator: "")
                    continue
                case .slurm:
                    outcome = try SlurmExecutor.run(plan, options: options, slurm: executor.slurmOptions(placement)) {
                        progress.handle($0)
                    }
                }
            } catch let error as RunError {
                throw RuntimeFailure(message: "\(plan.specFile): \(error.description)")
            }
            if json {
                if let data = try? outcome.summary.jsonData() { print(String(decoding: data, as: UTF8.self)) }
            } else {
                print(ResultTable.render(outcome))
            }
            failed = failed || !outcome.summary.failures.isEmpty
        }
        if failed { throw RuntimeFailure(message: "some steps failed (see above and summary.json)") }
    }
}
