import Engine
import Foundation
import Testing

@Suite struct ParallelismTests {
    /// One slot per piece, written without a lock: a piece run twice at once is a data race that
    /// ThreadSanitizer reports (scripts/sanitize thread), a piece run twice in turn a count of 2.
    final class Slots: @unchecked Sendable {
        let values: UnsafeMutableBufferPointer<Int>
        init(_ count: Int) { values = .allocate(capacity: max(count, 1)); values.initialize(repeating: 0) }
        deinit { values.deallocate() }
    }

    @Test("forEach runs every piece exactly once, job after job, on the pool's own threads")
    func everyPieceOnce() {
        let parallelism = Parallelism(threads: 3)
        for count in [0, 1, 2, 3, 7, 64, 1000] + Array(repeating: 5, count: 500) {
            let hits = Slots(count)
            parallelism.forEach(count) { i in hits.values[i] += 1 }
            let seen = Array(hits.values.prefix(count))
            #expect(seen.allSatisfy { $0 == 1 }, "count \(count): \(seen.filter { $0 != 1 }.count) pieces not run once")
        }
    }

    /// Jobs asking for 1, 2 or 3 of a pool's 3 workers, back to back: a worker not asked for one job must
    /// neither hold up its caller nor count as done for the next (the loop would return with pieces left).
    @Test("jobs that borrow fewer workers than the pool has run every piece once before forEach returns")
    func partialHelpers() {
        let budget = CoreBudget(cores: 4)
        let parallelism = Parallelism(threads: 4, sharing: budget)
        budget.hold()
        var held = 0
        for job in 0..<3000 {
            let wanted = job % 4
            while held < 3 - wanted {
                budget.hold()
                held += 1
            }
            while held > 3 - wanted {
                budget.release()
                held -= 1
            }
            let hits = Slots(9)
            parallelism.forEach(9) { i in hits.values[i] += 1 }
            let seen = Array(hits.values)
            #expect(seen.allSatisfy { $0 == 1 }, "job \(job), \(wanted) idle cores: \(seen)")
        }
    }

    @Test("copies of a Parallelism share one pool and compare equal by thread count")
    func copiesShare() {
        let a = Parallelism(threads: 2)
        let b = a
        let (first, second) = (Slots(100), Slots(100))
        a.forEach(100) { i in first.values[i] = i }
        b.forEach(100) { i in second.values[i] = i }
        let total: Int = first.values.reduce(0, +) + second.values.reduce(0, +)
        #expect(total == 2 * 4950)
        #expect(a == Parallelism(threads: 2) && a != Parallelism(threads: 3))
    }

    /// The threads that ran pieces of one loop of `count` pieces, each piece run exactly once.
    static func threads(_ parallelism: Parallelism, _ count: Int = 400) -> Int {
        let seen = Locked(Set<ObjectIdentifier>())
        let hits = Slots(count)
        parallelism.forEach(count) { i in
            hits.values[i] += 1
            seen.withLock { _ = $0.insert(ObjectIdentifier(Thread.current)) }
            usleep(20)
        }
        #expect(hits.values.allSatisfy { $0 == 1 })
        return seen.withLock { $0.count }
    }

    @Test("a loop sharing a core budget runs on its own thread plus the idle cores, and gives them back")
    func sharedBudget() {
        let budget = CoreBudget(cores: 3)
        let parallelism = Parallelism(threads: 3, sharing: budget)
        budget.hold()
        budget.hold()
        budget.hold()
        for _ in 0..<20 { #expect(Self.threads(parallelism) == 1, "no idle core: the caller alone") }
        budget.release()
        for _ in 0..<20 { #expect(Self.threads(parallelism) <= 2, "one idle core: at most one helper") }
        budget.hold()
        #expect(Self.threads(parallelism) == 1, "the borrowed core was given back and taken by a new holder")
        budget.release()
        budget.release()
        budget.release()
        #expect(Self.threads(parallelism) <= 3)
        budget.hold()
        budget.hold()
        budget.hold()
        budget.hold()
        #expect(Self.threads(parallelism) == 1, "more holders than cores: still the caller alone")
    }
}
