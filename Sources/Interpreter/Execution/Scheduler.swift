import DSL
import Engine
import Foundation

/// Runs the steps of a plan that are not cached, independent ones in parallel, and collects every result.
///
/// Threading: `run` starts its workers and waits for all of them before returning; nothing outlives it.
/// Mutable state (`status`, `artifacts`, `computed`) is touched only while holding `condition`, never while
/// a step computes; `NSCondition` rather than a `Mutex` because idle workers must wait for a step to finish. With `jobs == 1` steps run one at a time in plan order: the deterministic schedule.
final class Scheduler: @unchecked Sendable {
    private let plan: Plan
    private let keys: [String]
    /// What each key covers, stored beside the result as `key.json` (for `lmc explain`).
    private let descriptions: [[UInt8]]
    private let store: ContentStore
    private let runner: StepRunner
    private let jobs: Int
    private let cores: Int
    private let events: @Sendable (RunEvent) -> Void

    private enum Status {
        case cached, pending, running, done, failed(String)
    }

    private let condition = NSCondition()
    private var status: [Status]
    private var artifacts: [Artifact?]
    private(set) var computed = 0

    init(
        plan: Plan, keys: [String], descriptions: [[UInt8]], store: ContentStore, runner: StepRunner, jobs: Int,
        cores: Int, events: @escaping @Sendable (RunEvent) -> Void
    ) {
        self.plan = plan
        self.keys = keys
        self.descriptions = descriptions
        self.store = store
        self.runner = runner
        self.jobs = max(1, jobs)
        self.cores = max(1, cores)
        self.events = events
        indexOf = Dictionary(plan.steps.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        status = keys.map { store.contains($0) ? .cached : .pending }
        artifacts = Array(repeating: nil, count: keys.count)
    }

    private let indexOf: [String: Int]

    private func inputIndices(_ i: Int) -> [Int] { plan.steps[i].inputs.compactMap { indexOf[$0] } }

    /// Loads the cached results that are reported or consumed by a pending step; a corrupt entry turns its
    /// step back into pending work (and may in turn require its own inputs).
    private func loadCachedArtifacts() {
        var changed = true
        while changed {
            changed = false
            var needed = Set<Int>()
            for (i, step) in plan.steps.enumerated() {
                if step.isReported { needed.insert(i) }
                if case .pending = status[i] { needed.formUnion(inputIndices(i)) }
            }
            for i in needed.sorted() where artifacts[i] == nil {
                guard case .cached = status[i] else { continue }
                do {
                    let files = try store.read(keys[i])
                    artifacts[i] = try Artifact.decode(plan.steps[i], files: files)
                } catch {
                    // `read` already set aside entries that fail their checksums; this one decoded badly.
                    if !(error is ContentStore.CorruptEntry) { store.discard(keys[i]) }
                    events(.warning("\(plan.steps[i].name): \(error); recomputing"))
                    status[i] = .pending
                    changed = true
                }
            }
        }
    }

    /// Runs every pending step; returns results by step index (nil where a step failed).
    func run() -> (artifacts: [Artifact?], failures: [(node: String, message: String)]) {
        loadCachedArtifacts()
        let cachedCount = status.filter { if case .cached = $0 { true } else { false } }.count
        events(.planned(total: plan.steps.count, cached: cachedCount))
        let pendingCount = plan.steps.count - cachedCount
        let workers = min(jobs, max(pendingCount, 1))
        if pendingCount > 0 {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in self.work() }
        }
        var failures: [(String, String)] = []
        for (i, s) in status.enumerated() {
            if case .failed(let message) = s { failures.append((plan.steps[i].name, message)) }
        }
        return (artifacts, failures)
    }

    private func isFinished(_ i: Int) -> Bool {
        switch status[i] {
        case .cached, .done: true
        case .pending, .running, .failed: false
        }
    }

    private func work() {
        condition.lock()
        while true {
            // Steps whose inputs failed can never run: fail them too, naming the cause.
            for i in status.indices {
                guard case .pending = status[i] else { continue }
                if let bad = inputIndices(i).first(where: { if case .failed = status[$0] { true } else { false } }) {
                    status[i] = .failed("not run: its input \(plan.steps[bad].name) failed")
                    condition.broadcast()
                }
            }
            let ready = status.indices.filter { i in
                if case .pending = status[i] { return inputIndices(i).allSatisfy(isFinished) }
                return false
            }
            let running = status.filter { if case .running = $0 { true } else { false } }.count
            guard let next = ready.first else {
                let pending = status.contains { if case .pending = $0 { true } else { false } }
                if !pending { break }
                condition.wait()
                continue
            }
            status[next] = .running
            let inputs = inputIndices(next).compactMap { artifacts[$0] }
            // Share the cores among the steps that can run now; results do not depend on the split.
            let threads = max(1, cores / max(1, min(jobs, ready.count + running)))
            condition.unlock()
            let outcome = compute(next, inputs: inputs, threads: threads)
            condition.lock()
            switch outcome {
            case .success(let result):
                artifacts[next] = result.artifact
                status[next] = .done
                if result.computedHere { computed += 1 }
            case .failure(let error):
                status[next] = .failed(error.message)
            }
            condition.broadcast()
        }
        condition.unlock()
    }

    private struct StepFailure: Error {
        var message: String
    }

    /// Computes a step under its lease; if another run wrote the entry while this one waited for the
    /// lease, that entry is used instead (`computedHere` false).
    private func compute(_ i: Int, inputs: [Artifact], threads: Int)
        -> Result<(artifact: Artifact, computedHere: Bool), StepFailure>
    {
        let step = plan.steps[i]
        let lease = Lease(root: store.root, key: keys[i])
        defer { lease?.release() }
        if store.contains(keys[i]), let files = try? store.read(keys[i]), let artifact = try? Artifact.decode(step, files: files)
        {
            events(.warning("\(step.name): computed meanwhile by another run on this cache; reused"))
            return .success((artifact, false))
        }
        events(.started(node: step.name, threads: threads))
        let start = Date()
        do {
            let artifact = try runner.run(step, inputs: inputs, parallelism: Parallelism(threads: threads))
            do {
                var files = artifact.files()
                files["key.json"] = descriptions[i]
                try store.write(keys[i], node: step.name, files: files)
            } catch {
                events(.warning("\(step.name): could not write the cache (\(error)); the result is kept for this run only"))
            }
            events(.finished(node: step.name, seconds: Date().timeIntervalSince(start)))
            return .success((artifact, true))
        } catch {
            let message = "\(error)"
            events(.failed(node: step.name, message: message))
            return .failure(StepFailure(message: message))
        }
    }
}

extension PlanStep {
    /// Whether the step's result appears in the summary, so a run needs it even when it is cached.
    fileprivate var isReported: Bool {
        switch action {
        case .evaluate, .interpolate, .simplex: true
        case .train, .load, .prune, .retrainMasked, .align: false
        }
    }
}
