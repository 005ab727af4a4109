#if canImport(Glibc)
    import Glibc
#endif

/// How the process's allocator treats large buffers.
enum Allocator {
    /// Serves every allocation from the heap and keeps freed memory there for the next one.
    ///
    /// Steps allocate and free buffers of tens to hundreds of megabytes over and over (a REPAIR pass holds
    /// 2,000 examples' activations, each interpolated point gets its own evaluation state). glibc maps
    /// blocks that large afresh on each allocation and unmaps them on free, so every one was page-faulted
    /// and zeroed by the kernel again: 91 s of `conv-weak-lmc.yaml`'s CPU time (2026-12-05) was the
    /// kernel's. The process keeps what it freed until it exits; a REPAIR path's peak memory was the same
    /// (2.26 GB) with and without this.
    static func keepFreedMemory() {
        #if canImport(Glibc)
            // `mallopt` is declared in <malloc.h>, which Swift's Glibc module does not include.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let (trimThreshold, mmapMax): (Int32, Int32) = (-1, -4)  // M_TRIM_THRESHOLD, M_MMAP_MAX
            _ = mallopt(mmapMax, 0)
            _ = mallopt(trimThreshold, Int32.max)
        #endif
    }
}
