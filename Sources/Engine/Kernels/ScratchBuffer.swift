/// A growable scratch buffer of floats, owned by one caller: a loop of layer calls allocates (and
/// page-faults in) its temporary memory once, at the largest size it needs.
package final class ScratchBuffer {
    private var base = UnsafeMutablePointer<Float>.allocate(capacity: 0)
    private var capacity = 0

    package init() {}

    deinit { base.deallocate() }

    /// At least `count` floats, uninitialised, valid until the next call or deinit.
    func pointer(count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            base.deallocate()
            base = .allocate(capacity: count)
            capacity = count
        }
        return base
    }
}
