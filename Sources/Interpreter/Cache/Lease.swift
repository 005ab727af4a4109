#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A per-key lock held while one process computes a cache entry, so two runs sharing a cache never
/// compute the same step at once: the second waits, then finds the entry written.
///
/// An advisory `flock` on `<root>/locks/<key>`: the kernel releases it when its holder exits, however it
/// exits, so a lease left by a killed process is simply taken over. Released on `release()` or deinit.
package final class Lease {
    private var descriptor: Int32

    /// Blocks until the lease is held; nil if the lock file cannot be opened (then the caller computes
    /// without one, as before leases existed).
    package init?(root: String, key: String) {
        let directory = root + "/locks"
        mkdir(root, 0o755)
        mkdir(directory, 0o755)
        descriptor = open(directory + "/" + key, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { return nil }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                return nil
            }
        }
    }

    package func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
