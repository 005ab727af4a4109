import DSL
import Engine
import Foundation

/// Runs the steps of a plan that are not cached, independent ones in parallel, and collects every result.
///
/// Threading: `run` starts its workers and waits for all of them before returning; nothing outlives it.
/// Mutable state (`status`, `artifacts`, `computed`) is touched only while holding `condition`, never while
/// a step computes; `NSCondition` rather than a `Mutex` because idle workers must wait for a step to finish. With `jobs == 1` steps run one at a time in plan order: the deterministic schedule.
/// Cores: every step gets a `Parallelism` of `cores` threads sharing one `CoreBudget`, so a step left
/// alone (a long path at the end of a run) uses all of them, and steps running together split them.
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

        var isPending: Bool {
            if case .pending = self { return true }
            return false
        }

        var isRunning: Bool {
            if case .running = self { return true }
            return false
        }
    }

    /// The cores running steps share: each holds one, and their parallel loops borrow the idle ones.
    private let budget: CoreBudget
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
        budget = CoreBudget(cores: self.cores)
        self.events = events
        indexOf = Dictionary(plan.steps.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        status = keys.map { store.contains($0) ? .cached : .pending }
        sameKey = Dictionary(grouping: keys.indices, by: { keys[$0] })
        artifacts = Array(repeating: nil, count: keys.count)
    }

    private let indexOf: [String: Int]
    /// Steps by key: two steps of one plan can compute the same thing (a per-level alignment at level 0
    /// is the dense one), and then only one of them runs.
    private let sameKey: [String: [Int]]

    private func inputIndices(_ i: Int) -> [Int] { plan.steps[i].inputs.compactMap { indexOf[$0] } }

    /// Runs every pending step; returns results by step index (nil where a step failed).
    func run() -> (artifacts: [Artifact?], failures: [(node: String, message: String)]) {
        var toCompute = status.map(\.isPending)
        artifacts = CachedArtifacts.load(plan, keys: keys, store: store, toCompute: &toCompute, events: events)
        for i in status.indices where toCompute[i] { status[i] = .pending }
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
                guard status[i].isPending else { continue }
                if let bad = inputIndices(i).first(where: { if case .failed = status[$0] { true } else { false } }) {
                    status[i] = .failed("not run: its input \(plan.steps[bad].name) failed")
                    condition.broadcast()
                }
            }
            let ready = status.indices.filter { i in
                guard status[i].isPending, inputIndices(i).allSatisfy(isFinished) else { return false }
                return !(sameKey[keys[i]] ?? []).contains { status[$0].isRunning }
            }
            guard let next = ready.first else {
                let pending = status.contains(where: \.isPending)
                if !pending { break }
                condition.wait()
                continue
            }
            status[next] = .running
            let inputs = inputIndices(next).compactMap { artifacts[$0] }
            // Every step may use every core the others leave idle; results do not depend on how many it gets.
            budget.hold()
            condition.unlock()
            let outcome = compute(next, inputs: inputs, parallelism: Parallelism(threads: cores, sharing: budget))
            condition.lock()
            budget.release()
            switch outcome {
            case .success(let result):
                for i in sameKey[keys[next]] ?? [next] where i == next || status[i].isPending {
                    artifacts[i] = result.artifact
                    status[i] = .done
                }
                if result.computedHere { computed += 1 }
            case .failure(let error):
                status[next] = .failed(error.message)
            }
            condition.broadcast()
        }
        condition.unlock()
    }

    private func compute(_ i: Int, inputs: [Artifact], parallelism: Parallelism)
        -> Result<(artifact: Artifact, computedHere: Bool), StepComputation.Failure>
    {
        StepComputation(store: store, runner: runner, events: events)
            .compute(plan.steps[i], key: keys[i], description: descriptions[i], inputs: inputs, parallelism: parallelism)
    }
}
