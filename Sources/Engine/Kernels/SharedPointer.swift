/// A buffer shared by `Parallelism.forEach` pieces.
///
/// Invariant, upheld by every user: concurrent pieces write disjoint elements, and nothing reads an
/// element while another piece may write it. The pointer never outlives the scope that owns its memory.
struct SharedPointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>
}

/// A buffer that `Parallelism.forEach` pieces only read while they run.
struct SharedReadPointer<Element>: @unchecked Sendable {
    let base: UnsafePointer<Element>
}
