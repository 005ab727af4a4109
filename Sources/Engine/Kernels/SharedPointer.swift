/// A buffer shared by `Parallelism.forEach` pieces.
///
/// Invariant, upheld by every user: concurrent pieces write disjoint elements, and nothing reads an
/// element while another piece may write it. The pointer never outlives the `withUnsafe…` scope that made it.
struct SharedPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Float>
}
