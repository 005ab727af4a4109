/// How networks and paths are measured.
public struct EvaluationSpec: Sendable, Hashable, Codable {
    /// A data split.
    public enum Split: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case train, test
        /// Train before test, the order of `allCases`.
        public static func < (lhs: Split, rhs: Split) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// A quantity measured on a split.
    public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
        /// Mean softmax cross-entropy.
        case loss
        /// Mean 0-1 error, a fraction.
        case error
    }

    /// One split to evaluate on: the first `count` examples, or all of them when `count` is nil.
    public struct SplitSize: Sendable, Hashable, Codable {
        /// Which split.
        public var split: Split
        /// How many of its first examples; nil for all.
        public var count: Int?
    }

    /// The α grid, ascending, from 0 to 1 inclusive.
    public var alphas: [Double]
    /// Splits in a fixed order (train before test).
    public var splits: [SplitSize]
    /// Which metrics to record, in a fixed order (loss, error).
    public var metrics: [Metric]
    /// Examples per forward pass; affects speed only.
    public var batchSize: Int
    /// Steps per edge of the triangular grid on which three-network interpolations are measured.
    public var simplexDivisions = 6
    /// Seeded points drawn uniformly from the simplex of an interpolation of three or more networks,
    /// measured besides its vertices and centroid (and, for three, the grid).
    public var simplexSamples = 0
    /// For BatchNorm models: training examples whose batch statistics replace the running statistics of
    /// every interpolated network before it is measured (0: keep the interpolated statistics).
    public var batchNormReset = 5000
    /// Training examples on which REPAIR measures the endpoints and each point of a path that asks for it
    /// (held in memory at once, with all their activations).
    public var repairExamples = 2000

    /// The defaults of the science protocol: 25 alphas, 10,000 training examples and the whole test set.
    public static let standard = EvaluationSpec(
        alphas: uniformGrid(25),
        splits: [SplitSize(split: .train, count: 10_000), SplitSize(split: .test, count: nil)],
        metrics: [.loss, .error],
        batchSize: 500
    )

    /// The triangular grid of the 2-simplex with `divisions` steps per edge: every (i, j, k)/divisions with
    /// i + j + k = divisions, vertices included; (divisions + 1)(divisions + 2)/2 points.
    public static func simplexGrid(_ divisions: Int) -> [[Double]] {
        var points: [[Double]] = []
        for i in stride(from: divisions, through: 0, by: -1) {
            for j in stride(from: divisions - i, through: 0, by: -1) {
                points.append([Double(i), Double(j), Double(divisions - i - j)].map { $0 / Double(divisions) })
            }
        }
        return points
    }

    /// The barycentric points at which an interpolation of `networks` networks is measured: for three the
    /// triangular grid, otherwise the vertices; then the centroid unless already there; then
    /// `simplexSamples` points drawn uniformly from the simplex (the same ones for every interpolation of
    /// that many networks, so methods are compared at the same λ).
    public func simplexPoints(networks n: Int) -> [[Double]] {
        var points =
            n == 3
            ? Self.simplexGrid(simplexDivisions)
            : (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let centroid = [Double](repeating: 1 / Double(n), count: n)
        if !points.contains(centroid) { points.append(centroid) }
        return points + Self.uniformSimplexSamples(simplexSamples, networks: n, seed: UInt64(n))
    }

    /// `count` points uniform on the (n−1)-simplex: the spacings of n−1 sorted uniforms (SplitMix64 from
    /// `seed`), which need no logarithm and so are the same bits on every platform.
    static func uniformSimplexSamples(_ count: Int, networks n: Int, seed: UInt64) -> [[Double]] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x5DEE_CE66_D
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        return (0..<count).map { _ in
            let cuts = [0] + (0..<n - 1).map { _ in next() }.sorted() + [1]
            return zip(cuts.dropFirst(), cuts).map { $0 - $1 }
        }
    }

    /// `count` evenly spaced values from 0 to 1, both ends included.
    public static func uniformGrid(_ count: Int) -> [Double] {
        (0..<count).map { Double($0) / Double(count - 1) }
    }
}
