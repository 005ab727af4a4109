import Synchronization

/// Cores shared by computations that run at once (the steps of a run).
///
/// Each computation's own thread holds one core while it runs, and each of its parallel loops borrows
/// the cores idle at that moment for as long as the loop runs. So a long step left alone gets every
/// core, and steps that start later take theirs back at the next loop.
///
/// Only how many pieces run at once depends on it, never how work is split: results stay bitwise the
/// same whatever is borrowed.
public final class CoreBudget: Sendable {
    /// Cores neither held nor borrowed; below zero when more computations run than there are cores.
    private let idle: Atomic<Int>

    public init(cores: Int) { idle = Atomic(max(1, cores)) }

    /// A computation starts on its own thread.
    public func hold() { idle.subtract(1, ordering: .relaxed) }

    /// A computation ended.
    public func release() { idle.add(1, ordering: .relaxed) }

    /// Takes up to `wanted` idle cores; returns how many it took.
    func borrow(upTo wanted: Int) -> Int {
        var current = idle.load(ordering: .relaxed)
        while true {
            let taken = min(wanted, max(current, 0))
            if taken == 0 { return 0 }
            let (exchanged, original) = idle.compareExchange(
                expected: current, desired: current - taken, ordering: .relaxed)
            if exchanged { return taken }
            current = original
        }
    }

    /// Returns cores `borrow` took.
    func giveBack(_ count: Int) { idle.add(count, ordering: .relaxed) }
}
