import Testing
import Engine

@Suite struct GemmTests {
    /// op(A)·op(B) by the naive triple loop, in Double.
    static func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * m + i] : a[i * k + p]
                    let y = transB ? b[j * k + p] : b[p * n + j]
                    sum += Double(x) * Double(y)
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    static func run(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool, threads: Int) -> [Float] {
        Gemm.product(a, b, m: m, n: n, k: k, transposeA: transA, transposeB: transB, parallelism: Parallelism(threads: threads))
    }

    /// C (= or +=) A·B through the pointer-level entry point, which is the only one with `accumulate`.
    static func multiply(_ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int, accumulate: Bool) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let pa = pa.baseAddress, let pb = pb.baseAddress, let pc = pc.baseAddress else { return }
                    Gemm.multiply(
                        m: m, n: n, k: k, a: .init(base: pa, ld: k, transposed: false),
                        b: .init(base: pb, ld: n, transposed: false), c: pc, ldc: n, accumulate: accumulate,
                        parallelism: .serial)
                }
            }
        }
    }

    // Sizes straddle the 6×16 micro-tile, the 8-panel tiles and the 256 k-block.
    @Test(
        "GEMM equals the naive triple loop, every transpose combination",
        arguments: [
            (1, 1, 1), (7, 9, 5), (6, 16, 8), (13, 17, 300), (64, 65, 63), (129, 31, 257), (50, 200, 513), (55, 96, 70),
        ])
    func matchesNaive(m: Int, n: Int, k: Int) {
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = Fixtures.matrix(m, k, seed: 7, purpose: "a"), b = Fixtures.matrix(k, n, seed: 7, purpose: "b")
            let c = Self.run(a, b, m: m, n: n, k: k, transA: transA, transB: transB, threads: 2)
            let expected = Self.naive(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
            // Float32 sums of k products of values in [-1, 1]: error grows like sqrt(k)·ε; 1e-5·k is generous but far below signal.
            let error = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? .nan
            #expect(error <= 1e-5 * Double(k), "seed 7, \(m)x\(n)x\(k), transA \(transA), transB \(transB): \(error)")
        }
    }

    /// The last one or two rows of C take the two-row kernel.
    ///
    /// Column panels go in pairs there, an odd one alone; with more rows of C the same rows are the top of
    /// a full block. Both must give each value the same bits.
    @Test("the bottom edge's rows equal the same rows computed inside a full block, bit for bit", arguments: [1, 2])
    func bottomEdgeIsExact(edgeRows: Int) {
        let (m, n, k) = (126 + edgeRows, 200, 300)
        let a = Fixtures.matrix(m + 6 - edgeRows, k, seed: 3, purpose: "a"), b = Fixtures.matrix(k, n, seed: 3, purpose: "b")
        let whole = Self.run(a, b, m: m + 6 - edgeRows, n: n, k: k, transA: false, transB: false, threads: 2)
        let edge = Self.run(Array(a[..<(m * k)]), b, m: m, n: n, k: k, transA: false, transB: false, threads: 2)
        #expect(edge == Array(whole[..<(m * n)]))
    }

    /// Tiling moves work between threads, never a sum.
    ///
    /// 800 rows make 17 tiles of rows: full-width tiles that pack their own rows of A; 720 rows make 15,
    /// tiled as before.
    @Test("a tall product's rows equal the same rows of a shorter one, bit for bit, A plain or transposed")
    func tallTilesAreExact() {
        let (n, k) = (200, 300)
        let a = Fixtures.matrix(800, k, seed: 5, purpose: "a"), b = Fixtures.matrix(k, n, seed: 5, purpose: "b")
        let aT = (0..<k * 800).map { a[($0 % 800) * k + $0 / 800] }
        let tall = Self.run(a, b, m: 800, n: n, k: k, transA: false, transB: false, threads: 2)
        let short = Self.run(Array(a[..<(720 * k)]), b, m: 720, n: n, k: k, transA: false, transB: false, threads: 3)
        let tallT = Self.run(aT, b, m: 800, n: n, k: k, transA: true, transB: false, threads: 2)
        #expect(Array(tall[..<(720 * n)]) == short)
        #expect(tallT == tall)
    }

    @Test("a wide product's columns (strips packing their own B) equal those of a narrower grid-tiled one")
    func wideStripsAreExact() {
        let (m, k) = (128, 300)
        #expect(Gemm.splitsIntoStrips(m: m, n: 300) && !Gemm.splitsIntoStrips(m: m, n: 200))
        #expect(!Gemm.splitsIntoStrips(m: 200, n: 300), "a taller C is tiled as a grid")
        let a = Fixtures.matrix(m, k, seed: 6, purpose: "a"), b = Fixtures.matrix(k, 300, seed: 6, purpose: "b")
        let narrow = (0..<k * 200).map { b[($0 / 200) * 300 + $0 % 200] }
        let wide = Self.run(a, b, m: m, n: 300, k: k, transA: false, transB: false, threads: 2)
        let grid = Self.run(a, narrow, m: m, n: 200, k: k, transA: false, transB: false, threads: 3)
        #expect((0..<m).allSatisfy { i in Array(wide[i * 300..<i * 300 + 200]) == Array(grid[i * 200..<i * 200 + 200]) })
        let expected = Self.naive(a, b, m: m, n: 300, k: k, transA: false, transB: false)
        #expect(Fixtures.maxScaledError(wide, expected) <= 1e-4)
    }

    /// Packing only moves values, so reading an operand through its transpose must not change one bit.
    @Test("a transposed operand gives the same bits as the same matrix stored untransposed")
    func transposeIsExact() {
        func transposed(_ x: [Float], rows: Int, cols: Int) -> [Float] {
            (0..<cols * rows).map { x[($0 % rows) * cols + $0 / rows] }
        }
        for (m, n, k) in [(13, 40, 300), (64, 65, 63), (7, 9, 5), (30, 24, 17)] {
            let a = Fixtures.matrix(m, k, seed: 8, purpose: "a"), b = Fixtures.matrix(k, n, seed: 8, purpose: "b")
            let plain = Self.run(a, b, m: m, n: n, k: k, transA: false, transB: false, threads: 2)
            let throughB = Self.run(a, transposed(b, rows: k, cols: n), m: m, n: n, k: k, transA: false, transB: true, threads: 2)
            let throughA = Self.run(transposed(a, rows: m, cols: k), b, m: m, n: n, k: k, transA: true, transB: false, threads: 1)
            #expect(throughB == plain, "\(m)x\(n)x\(k), B transposed")
            #expect(throughA == plain, "\(m)x\(n)x\(k), A transposed")
        }
    }

    @Test("one workspace reused across shapes and transposes gives the same bits as a fresh one each time")
    func workspaceReuse() {
        let workspace = GemmWorkspace()
        for (m, n, k, transB) in [(200, 70, 300, true), (7, 9, 5, false), (129, 31, 257, true), (300, 100, 40, false)] {
            let a = Fixtures.matrix(m, k, seed: 4, purpose: "a"), b = Fixtures.matrix(k, n, seed: 4, purpose: "b")
            let fresh = Gemm.product(a, b, m: m, n: n, k: k, transposeB: transB, parallelism: .serial)
            let reused = Gemm.product(a, b, m: m, n: n, k: k, transposeB: transB, workspace: workspace, parallelism: .serial)
            #expect(fresh == reused, "\(m)x\(n)x\(k)")
        }
    }

    @Test("without accumulate, C's previous contents (even NaN) are overwritten")
    func overwrites() {
        let (m, n, k) = (13, 19, 300)
        let a = Fixtures.matrix(m, k, seed: 2, purpose: "a"), b = Fixtures.matrix(k, n, seed: 2, purpose: "b")
        var c = [Float](repeating: .nan, count: m * n)
        Self.multiply(a, b, into: &c, m: m, n: n, k: k, accumulate: false)
        #expect(c == Self.run(a, b, m: m, n: n, k: k, transA: false, transB: false, threads: 1))
    }

    @Test("the ReLU gate zeroes exactly where its gate is ≤ 0 (NaN passes), every tile and edge, on two threads")
    func reluGate() {
        let (m, n, k) = (134, 150, 70)
        let a = Fixtures.matrix(m, k, seed: 3, purpose: "a"), b = Fixtures.matrix(k, n, seed: 3, purpose: "b")
        var gate = Fixtures.matrix(m, n, seed: 3, purpose: "gate")
        gate[5] = .nan
        gate[7] = 0
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                gate.withUnsafeBufferPointer { pg in
                    c.withUnsafeMutableBufferPointer { pc in
                        guard let pa = pa.baseAddress, let pb = pb.baseAddress, let pg = pg.baseAddress,
                            let pc = pc.baseAddress
                        else { return }
                        Gemm.multiply(
                            m: m, n: n, k: k, a: .init(base: pa, ld: k, transposed: false),
                            b: .init(base: pb, ld: n, transposed: false), c: pc, ldc: n, epilogue: .reluGate(pg),
                            parallelism: Parallelism(threads: 2))
                    }
                }
            }
        }
        let plain = Self.run(a, b, m: m, n: n, k: k, transA: false, transB: false, threads: 1)
        let expected = zip(plain, gate).map { value, g in g <= 0 ? 0 : value }
        #expect(c.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(c.contains(0) && c[5] == plain[5] && c[7] == 0)
    }

    @Test("accumulate adds the product onto C")
    func accumulates() {
        let (m, n, k) = (20, 33, 40)
        let a = Fixtures.matrix(m, k, seed: 1, purpose: "a"), b = Fixtures.matrix(k, n, seed: 1, purpose: "b")
        let start = Fixtures.matrix(m, n, seed: 1, purpose: "c")
        var c = start
        Self.multiply(a, b, into: &c, m: m, n: n, k: k, accumulate: true)
        let expected = zip(Self.naive(a, b, m: m, n: n, k: k, transA: false, transB: false), start).map { $0 + Double($1) }
        #expect(Fixtures.maxScaledError(c, expected) <= 1e-4)
    }

    @Test("results are bitwise identical on 1, 2 and 3 threads", arguments: [1, 2, 3])
    func bitwiseAcrossThreads(threads: Int) {
        let (m, n, k) = (200, 300, 700)
        let a = Fixtures.matrix(m, k, seed: 9, purpose: "a"), b = Fixtures.matrix(k, n, seed: 9, purpose: "b")
        let serial = Self.run(a, b, m: m, n: n, k: k, transA: false, transB: true, threads: 1)
        let parallel = Self.run(a, b, m: m, n: n, k: k, transA: false, transB: true, threads: threads)
        #expect(zip(serial, parallel).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
}
