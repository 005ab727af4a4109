/// Reusable packing buffers for `Gemm.multiply`, so a loop of products (a training run, an evaluation
/// pass) allocates, and page-faults in, its scratch memory once instead of on every call.
///
/// Owned by one caller and used by one `multiply` at a time; grows to the largest request and is freed on
/// deinit.
package final class GemmWorkspace {
    private var a: UnsafeMutablePointer<Float>
    private var b: UnsafeMutablePointer<Float>
    private var aCapacity = 0
    private var bCapacity = 0

    package init() {
        a = .allocate(capacity: 0)
        b = .allocate(capacity: 0)
    }

    deinit {
        a.deallocate()
        b.deallocate()
    }

    /// Buffers of at least `aCount` and `bCount` floats, valid until the next call or deinit.
    func buffers(aCount: Int, bCount: Int) -> (a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) {
        if aCount > aCapacity {
            a.deallocate()
            a = .allocate(capacity: aCount)
            aCapacity = aCount
        }
        if bCount > bCapacity {
            b.deallocate()
            b = .allocate(capacity: bCount)
            bCapacity = bCount
        }
        return (a, b)
    }
}
