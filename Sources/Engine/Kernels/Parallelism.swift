import Dispatch

/// How many threads a computation may use.
///
/// Passed explicitly; there is no global setting.
///
/// Work is always split into pieces whose number and bounds depend on the problem size only; `threads`
/// decides how many of them run at once, never how a result is summed, so results are bitwise identical
/// for every thread count.
public struct Parallelism: Sendable, Hashable {
    /// At most this many pieces run at the same time; 1 runs everything on the calling thread.
    public var threads: Int

    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// One thread: the deterministic, debuggable schedule.
    public static let serial = Parallelism(threads: 1)

    /// Runs `body(i)` for every `i` in `0..<count`; distinct `i` may run concurrently.
    ///
    /// Pieces are striped over workers statically (worker `w` takes `w`, `w + workers`, …).
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        let workers = min(threads, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < count {
                body(i)
                i += workers
            }
        }
    }
}
