import Synchronization
import Testing
import Engine

@Suite struct ParallelismTests {
    @Test("forEach runs every piece exactly once, job after job, on the pool's own threads")
    func everyPieceOnce() {
        let parallelism = Parallelism(threads: 3)
        for count in [0, 1, 2, 3, 7, 64, 1000] + Array(repeating: 5, count: 500) {
            let hits = Mutex([Int](repeating: 0, count: count))
            parallelism.forEach(count) { i in hits.withLock { $0[i] += 1 } }
            let seen = hits.withLock { $0 }
            #expect(seen.allSatisfy { $0 == 1 }, "count \(count): \(seen.filter { $0 != 1 }.count) pieces not run once")
        }
    }

    @Test("copies of a Parallelism share one pool and compare equal by thread count")
    func copiesShare() {
        let a = Parallelism(threads: 2)
        let b = a
        let total = Mutex(0)
        a.forEach(100) { i in total.withLock { $0 += i } }
        b.forEach(100) { i in total.withLock { $0 += i } }
        #expect(total.withLock { $0 } == 2 * 4950)
        #expect(a == Parallelism(threads: 2) && a != Parallelism(threads: 3))
    }
}
