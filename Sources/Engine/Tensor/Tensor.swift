/// A dense, row-major Float32 tensor.
///
/// Storage is a Swift `Array`, which is already a struct over a reference-counted buffer with
/// copy-on-write: value semantics and an honest `Sendable` without a hand-written storage class.
public struct Tensor: Sendable, Hashable {
    /// Extents, outermost first (`[out, in]` for a weight).
    public private(set) var shape: [Int]
    /// Elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == scalars.count, "shape does not match data")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of elements.
    public var count: Int { scalars.count }

    /// Rows of a matrix, or the leading extent of any tensor.
    public var rows: Int { shape.first ?? 1 }

    /// Elements per leading index (`in` for a `[out, in]` weight).
    public var rowSize: Int { shape.isEmpty ? 1 : shape.dropFirst().reduce(1, *) }

    /// The transpose of a matrix (`[rows, columns]` to `[columns, rows]`).
    public func transposed() -> Tensor {
        precondition(shape.count == 2, "transposed() takes a matrix")
        let (rows, columns) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: count)
        for r in 0..<rows { for c in 0..<columns { out[c * rows + r] = scalars[r * columns + c] } }
        return Tensor(shape: [columns, rows], scalars: out)
    }

    /// Whether every element is the same bit pattern as in `other` (NaN payloads and signed zeros included).
    public func isBitwiseEqual(to other: Tensor) -> Bool {
        shape == other.shape && zip(scalars, other.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}
