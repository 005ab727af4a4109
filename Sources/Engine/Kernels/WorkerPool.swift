import Foundation
import Synchronization

/// Threads owned by one `Parallelism` value, for fork-join loops over pieces of work.
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux its second thread often joined late or not at
/// all for sub-millisecond GEMMs (best-of-10 figures at single-thread speed), and training is a chain of
/// such GEMMs. Here the workers are ours: between jobs they spin briefly on an atomic generation
/// counter, then sleep on a condition, so back-to-back jobs start at once.
///
/// One job runs at a time; `run` is called by the one thread that owns the `Parallelism`. The threads end
/// when the pool is released.
final class WorkerPool: Sendable {
    private let shared: Shared

    /// A pool whose `run` uses the calling thread plus `workers` threads of its own.
    init(workers: Int) {
        shared = Shared()
        for index in 0..<workers {
            let shared = self.shared
            let thread = Thread { shared.workLoop(index: index) }
            thread.name = "lmc-worker"
            thread.start()
        }
    }

    deinit { shared.shutDown() }

    /// Runs `body(i)` for every i in `0..<count` on the caller and the first `helpers` workers; returns
    /// when all are done.
    func run(_ count: Int, helpers: Int, _ body: @Sendable (Int) -> Void) {
        withoutActuallyEscaping(body) { body in shared.run(count, helpers: helpers, body) }
    }

    private final class Shared: @unchecked Sendable {
        /// The job's generation and its number of helpers, as `generation << 16 | helpers`, published in one
        /// store (under `lock`) so that a worker never pairs one job's generation with another's helpers.
        let state = Atomic<Int>(0)
        static func generation(_ state: Int) -> Int { state >> 16 }
        static func helpers(_ state: Int) -> Int { state & 0xFFFF }
        let nextPiece = Atomic<Int>(0)
        /// Helpers that have not yet finished the current job: the caller waits for these alone, not for
        /// workers it did not ask for (asleep, or on a core another step holds).
        let busy = Atomic<Int>(0)
        let lock = NSCondition()
        // Written by the caller before `state` is published, read by the job's helpers after they see it;
        // not rewritten before they are done, since the next job waits for `busy`.
        nonisolated(unsafe) var job: (@Sendable (Int) -> Void)?
        nonisolated(unsafe) var pieces = 0
        nonisolated(unsafe) var stopping = false

        func run(_ count: Int, helpers: Int, _ body: @escaping @Sendable (Int) -> Void) {
            job = body
            pieces = count
            nextPiece.store(0, ordering: .relaxed)
            busy.store(helpers, ordering: .relaxed)
            lock.lock()
            let generation = Self.generation(state.load(ordering: .relaxed)) + 1
            state.store(generation << 16 | helpers, ordering: .releasing)
            lock.broadcast()
            lock.unlock()
            takePieces(body, count: count)
            while busy.load(ordering: .acquiring) > 0 {}
            job = nil
        }

        func workLoop(index: Int) {
            var seen = 0
            // A worker that helped spins briefly for the next job; one that was not asked sleeps at once.
            var spin = true
            func unchanged() -> Bool { Self.generation(state.load(ordering: .acquiring)) == seen }
            while true {
                var spins = 0
                while spin && unchanged() && spins < 100_000 { spins += 1 }
                if unchanged() {
                    lock.lock()
                    while unchanged() && !stopping { lock.wait() }
                    lock.unlock()
                }
                if stopping { return }
                let current = state.load(ordering: .acquiring)
                seen = Self.generation(current)
                spin = index < Self.helpers(current)
                guard spin else { continue }
                // The job's reference ends with this statement, before `busy` lets the caller return (its
                // closure may not escape `run`).
                if let job { takePieces(job, count: pieces) }
                busy.subtract(1, ordering: .releasing)
            }
        }

        func shutDown() {
            lock.lock()
            stopping = true
            state.add(1 << 16, ordering: .releasing)
            lock.broadcast()
            lock.unlock()
        }

        private func takePieces(_ body: (Int) -> Void, count: Int) {
            while true {
                let i = nextPiece.wrappingAdd(1, ordering: .relaxed).oldValue
                if i >= count { return }
                body(i)
            }
        }
    }
}
