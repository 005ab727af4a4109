import Foundation

/// How many threads a computation may use, and the worker threads that provide them.
///
/// Passed explicitly; there is no global setting or shared pool. A value with `threads > 1` owns a
/// `WorkerPool` of `threads - 1` threads (the caller is the last one), started on first use and ended when
/// the last copy of the value is released. Use it from one thread at a time.
///
/// Work is always split into pieces whose number and bounds depend on the problem size only; `threads`
/// decides how many of them run at once, never how a result is summed, so results are bitwise identical
/// for every thread count.
public struct Parallelism: Sendable, Hashable {
    /// At most this many pieces run at the same time; 1 runs everything on the calling thread.
    public let threads: Int
    private let pool: LazyPool?
    /// When shared: each loop runs on the caller plus the cores idle in the budget at its start (at most
    /// `threads` in all).
    private let budget: CoreBudget?

    /// - Parameter budget: cores shared with other computations; nil: `threads` cores of its own.
    public init(threads: Int, sharing budget: CoreBudget? = nil) {
        self.threads = max(1, threads)
        pool = self.threads > 1 ? LazyPool(workers: self.threads - 1) : nil
        self.budget = budget
    }

    /// One thread: the deterministic, debuggable schedule.
    public static let serial = Parallelism(threads: 1)

    /// Runs `body(i)` for every `i` in `0..<count`; distinct `i` may run concurrently, in any order.
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        let helpers = pool == nil || count < 2 ? 0 : budget?.borrow(upTo: min(threads, count) - 1) ?? threads - 1
        guard let pool, helpers > 0 else {
            for i in 0..<count { body(i) }
            return
        }
        defer { budget?.giveBack(helpers) }
        pool.pool.run(count, helpers: helpers, body)
    }

    public static func == (lhs: Parallelism, rhs: Parallelism) -> Bool { lhs.threads == rhs.threads }
    public func hash(into hasher: inout Hasher) { hasher.combine(threads) }

    /// Starts the threads only when a loop first needs them.
    private final class LazyPool: Sendable {
        let workers: Int
        private let started = Locked<WorkerPool?>(nil)

        init(workers: Int) { self.workers = workers }

        var pool: WorkerPool {
            started.withLock { pool in
                if let pool { return pool }
                let created = WorkerPool(workers: workers)
                pool = created
                return created
            }
        }
    }
}
