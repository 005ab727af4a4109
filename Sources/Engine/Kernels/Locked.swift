import Foundation

/// A value behind a lock, for state that threads share.
///
/// Not `Mutex` from Synchronization: on Linux it locks with futexes in a library ThreadSanitizer does not
/// see, so `scripts/sanitize thread` would report every access it protects as a race and bury real ones.
/// `NSLock` is a pthread mutex, which ThreadSanitizer understands. None of these locks is on a hot path.
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
