import DSL
import Engine
import Foundation

/// Settings of one run.
public struct RunOptions: Sendable {
    /// The content store's directory (`.lmc` by default).
    public var cacheDirectory: String
    /// Where `<experiment>/summary.json` and the CSV files go.
    public var resultsDirectory: String
    /// Steps that may run at the same time.
    public var jobs: Int
    /// Threads available in all; steps running together share them.
    public var threads: Int

    public init(cacheDirectory: String, resultsDirectory: String, jobs: Int, threads: Int) {
        self.cacheDirectory = cacheDirectory
        self.resultsDirectory = resultsDirectory
        self.jobs = jobs
        self.threads = threads
    }
}

/// A run that could not start, such as a missing dataset.
///
/// Nothing was computed.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// What a run produced.
public struct RunOutcome: Sendable {
    /// The summary written to `summary.json`.
    public var summary: Summary
    /// Where the summary and CSV files were written.
    public var resultsDirectory: String
    /// Interpolation names in spec order, for display.
    public var interpolationOrder: [String]
    /// Network names in spec order, for display.
    public var networkOrder: [String]
}

/// Executes plans: computes keys, reuses cached results, runs the rest and writes the results.
public enum Runner {
    /// Runs a plan to completion.
    ///
    /// Failed steps are reported in the summary; independent steps still finish, and every finished step is cached.
    ///
    /// - Throws: `RunError` when the run cannot start (a dataset cannot be read).
    public static func run(_ plan: Plan, options: RunOptions, events: @escaping @Sendable (RunEvent) -> Void) throws -> RunOutcome
    {
        let memo = FileDigestMemo(directory: options.cacheDirectory)
        let datasets = DatasetProvider(datasets: plan.datasets, memo: memo)
        let described = try describe(plan, digests: try digests(plan, datasets))
        let store = ContentStore(root: options.cacheDirectory)
        let scheduler = Scheduler(
            plan: plan, keys: described.map(\.key), descriptions: described.map(\.description), store: store,
            runner: StepRunner(datasets: datasets, events: events, evaluationBatch: plan.evaluation.batchSize),
            jobs: options.jobs, cores: options.threads, events: events)
        let (artifacts, failures) = scheduler.run()
        memo.save()  // after the store has made the cache directory
        var byName: [String: Artifact] = [:]
        for (step, artifact) in zip(plan.steps, artifacts) { byName[step.name] = artifact }
        let counts = Summary.NodeCounts(
            total: plan.steps.count, computed: scheduler.computed,
            cached: plan.steps.count - scheduler.computed - failures.count, failed: failures.count)
        return try finish(
            plan, artifacts: byName, counts: counts, failures: failures.map { .init(node: $0.node, error: $0.message) },
            options: options)
    }

    /// Every step's cache key, in plan order (digests the datasets, reading nothing else).
    ///
    /// - Parameter cacheDirectory: where file digests are remembered between calls; nil hashes every file.
    /// - Throws: `RunError` if a dataset cannot be read.
    public static func keys(for plan: Plan, cacheDirectory: String? = nil) throws -> [String] {
        try computeKeys(plan, digests: try datasetDigests(plan, cacheDirectory: cacheDirectory))
    }

    /// The content digest of every dataset the plan reads.
    static func datasetDigests(_ plan: Plan, cacheDirectory: String?) throws -> [String: String] {
        let memo = cacheDirectory.map { FileDigestMemo(directory: $0) }
        defer { memo?.save() }
        return try digests(plan, DatasetProvider(datasets: plan.datasets, memo: memo))
    }

    /// The content digest of every dataset the plan's steps read, and of every file a `load` step reads
    /// (under `file:<path>`).
    static func digests(_ plan: Plan, _ datasets: DatasetProvider) throws -> [String: String] {
        var digests: [String: String] = [:]
        for name in Set(plan.steps.map(\.dataset)).sorted() {
            do { digests[name] = try datasets.digest(of: name) } catch {
                throw RunError(description: "dataset '\(name)': \(error)")
            }
        }
        for file in Set(plan.steps.compactMap(\.file)).sorted() {
            do { digests["file:" + file] = try datasets.fileDigest(file) } catch {
                throw RunError(description: "\(file): \(error)")
            }
        }
        return digests
    }

    /// Builds the summary and writes every result file.
    static func finish(
        _ plan: Plan, artifacts: [String: Artifact], counts: Summary.NodeCounts, failures: [Summary.Failure],
        options: RunOptions
    ) throws -> RunOutcome {
        let summary = SummaryBuilder.build(plan: plan, artifacts: artifacts, counts: counts, failures: failures)
        let directory = options.resultsDirectory + "/" + plan.name
        var order: [String] = []
        for path in plan.paths where !order.contains(path.interpolation) { order.append(path.interpolation) }
        do {
            try ResultWriter.write(summary, order: order, to: directory)
            try ReportWriter.write(summary, order: order, cacheDirectory: options.cacheDirectory, to: directory)
        } catch {
            throw RunError(description: "cannot write results to \(directory): \(error)")
        }
        return RunOutcome(
            summary: summary, resultsDirectory: directory, interpolationOrder: order,
            networkOrder: plan.endpoints.map(\.network))
    }

    /// Rebuilds the results (summary, CSV files, report and plots) from the cache alone.
    ///
    /// - Throws: `RunError` naming the steps that are not cached (nothing is computed).
    public static func report(_ plan: Plan, options: RunOptions) throws -> RunOutcome {
        let keys = try keys(for: plan, cacheDirectory: options.cacheDirectory)
        let store = ContentStore(root: options.cacheDirectory)
        var byName: [String: Artifact] = [:]
        var missing: [String] = []
        for (step, key) in zip(plan.steps, keys) where step.isReported {
            if let files = try? store.read(key), let artifact = try? Artifact.decode(step, files: files) {
                byName[step.name] = artifact
            } else {
                missing.append(step.name)
            }
        }
        guard missing.isEmpty else {
            let shown = missing.prefix(5).joined(separator: ", ") + (missing.count > 5 ? ", …" : "")
            throw RunError(description: "\(missing.count) result steps are not cached (\(shown)); run `lmc run` first")
        }
        let counts = Summary.NodeCounts(total: plan.steps.count, computed: 0, cached: plan.steps.count, failed: 0)
        return try finish(plan, artifacts: byName, counts: counts, failures: [], options: options)
    }

    /// Keys in plan order; each step's key covers its inputs' keys, so a change upstream changes everything below.
    package static func computeKeys(_ plan: Plan, digests: [String: String]) throws(RunError) -> [String] {
        try describe(plan, digests: digests).map(\.key)
    }

    /// Each step's key and the description it hashes, in plan order.
    static func describe(_ plan: Plan, digests: [String: String]) throws(RunError) -> [(key: String, description: [UInt8])] {
        var keyByName: [String: String] = [:]
        var described: [(key: String, description: [UInt8])] = []
        for step in plan.steps {
            let inputs = step.inputs.map { keyByName[$0] ?? "" }
            let digest = (digests[step.dataset] ?? "") + (step.file.map { " file=" + (digests["file:" + $0] ?? "") } ?? "")
            let key = try StepKey.key(for: step, inputKeys: inputs, datasetDigest: digest)
            keyByName[step.name] = key
            described.append((key, StepKey.description(for: step, inputKeys: inputs, datasetDigest: digest)))
        }
        return described
    }
}
