/// A permutation of n units: unit i of the permuted network is unit `indices[i]` of the original.
///
/// With this convention, applying π to a tensor along an axis gathers `out[i] = in[π[i]]`.
public struct Permutation: Sendable, Hashable, Codable {
    /// `indices[i]` is the original unit that lands at position i.
    public var indices: [Int]

    /// Wraps `indices` if they are a permutation of 0..<count; nil otherwise.
    public init?(_ indices: [Int]) {
        var seen = [Bool](repeating: false, count: indices.count)
        for i in indices {
            guard i >= 0, i < indices.count, !seen[i] else { return nil }
            seen[i] = true
        }
        self.indices = indices
    }

    public init(identity count: Int) {
        indices = Array(0..<count)
    }

    /// Number of units.
    public var count: Int { indices.count }

    /// Whether every unit stays in place.
    public var isIdentity: Bool { indices.enumerated().allSatisfy { $0.offset == $0.element } }

    /// π⁻¹: undoes this permutation.
    public var inverse: Permutation {
        var result = indices
        for (i, j) in indices.enumerated() { result[j] = i }
        return Permutation(unchecked: result)
    }

    /// The permutation that applies `self` first, then `next`: gathering by it equals gathering twice.
    public func then(_ next: Permutation) -> Permutation {
        precondition(count == next.count)
        return Permutation(unchecked: next.indices.map { indices[$0] })
    }

    /// A uniformly random permutation drawn from `stream`.
    public static func random(_ count: Int, using stream: inout RandomStream) -> Permutation {
        Permutation(unchecked: stream.permutation(count))
    }

    private init(unchecked indices: [Int]) {
        self.indices = indices
    }
}

extension Tensor {
    /// The tensor with `axis` reordered: `result[…, i, …] = self[…, π[i], …]`.
    public func permuted(axis: Int, by permutation: Permutation) -> Tensor {
        precondition(axis >= 0 && axis < shape.count && shape[axis] == permutation.count, "permutation does not fit axis")
        let n = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        var result = scalars
        for o in 0..<outer {
            for i in 0..<n {
                let src = (o * n + permutation.indices[i]) * inner
                let dst = (o * n + i) * inner
                for e in 0..<inner { result[dst + e] = scalars[src + e] }
            }
        }
        return Tensor(shape: shape, scalars: result)
    }
}
