/// General matrix multiply C = op(A)·op(B) on row-major Float32 matrices, packed and cache-blocked.
///
/// Terms: op(A) is m×k and op(B) is k×n. A transposed operand is read in place through the packing
/// routines; nothing is copied into a transposed layout. C is split into tiles whose bounds depend on m
/// and n only; each tile is computed by one worker, summing over k in a fixed order (blocks of `kBlock`,
/// each accumulated by the micro-kernel in p order), so results do not depend on the thread count.
package enum Gemm {
    /// A matrix operand: element (i, p) of op(X) is `base[i * ld + p]`, or `base[p * ld + i]` when transposed.
    package struct Operand: @unchecked Sendable {
        let base: UnsafePointer<Float>
        let ld: Int
        let transposed: Bool

        package init(base: UnsafePointer<Float>, ld: Int, transposed: Bool) {
            self.base = base
            self.ld = ld
            self.transposed = transposed
        }
    }

    /// What happens to each finished element of C.
    package enum Epilogue: @unchecked Sendable {
        case none
        /// Adds `bias[j]` to column j.
        case bias(UnsafePointer<Float>)
        /// Adds the bias, then clamps at zero.
        case biasReLU(UnsafePointer<Float>)
    }

    static let kBlock = 256
    static let rowPanelsPerTile = 8
    static let colPanelsPerTile = 8
    /// Below this many multiply-adds, threads cost more than they save.
    static let parallelThreshold = 1 << 18

    /// Computes C = op(A)·op(B) (+ C when `accumulate`), then applies the epilogue.
    ///
    /// - Precondition: m, n, k ≥ 0; the operands and C (row stride `ldc`) cover their extents.
    /// - Complexity: 2·m·n·k flops, plus packing of m·k + k·n values.
    package static func multiply(
        m: Int, n: Int, k: Int, a: Operand, b: Operand,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false,
        epilogue: Epilogue = .none, parallelism: Parallelism
    ) {
        assert(m >= 0 && n >= 0 && k >= 0 && ldc >= n)
        guard m > 0, n > 0 else { return }
        let mr = MicroKernel.mr, nr = MicroKernel.nr
        let mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: mPanels * mr * max(k, 1))
        let packedB = UnsafeMutablePointer<Float>.allocate(capacity: nPanels * nr * max(k, 1))
        defer {
            packedA.deallocate()
            packedB.deallocate()
        }
        let work = m.multipliedReportingOverflow(by: n * k).partialValue
        let lanes = work >= parallelThreshold ? parallelism : .serial
        let pa = SharedPointer(base: packedA), pb = SharedPointer(base: packedB)
        lanes.forEach(mPanels + nPanels) { i in
            if i < mPanels {
                packPanelA(a, panel: i, m: m, k: k, into: pa.base + i * mr * k)
            } else {
                packPanelB(b, panel: i - mPanels, n: n, k: k, into: pb.base + (i - mPanels) * nr * k)
            }
        }
        let rowTiles = (mPanels + rowPanelsPerTile - 1) / rowPanelsPerTile
        let colTiles = (nPanels + colPanelsPerTile - 1) / colPanelsPerTile
        let out = SharedPointer(base: c)
        lanes.forEach(rowTiles * colTiles) { tile in
            let rowPanels = (tile / colTiles) * rowPanelsPerTile..<min(mPanels, (tile / colTiles + 1) * rowPanelsPerTile)
            let colPanels = (tile % colTiles) * colPanelsPerTile..<min(nPanels, (tile % colTiles + 1) * colPanelsPerTile)
            computeTile(
                rows: rowPanels, cols: colPanels, m: m, n: n, k: k, packedA: pa.base, packedB: pb.base,
                c: out.base, ldc: ldc, accumulate: accumulate)
            applyEpilogue(
                epilogue, rows: rowPanels.lowerBound * mr..<min(m, rowPanels.upperBound * mr),
                cols: colPanels.lowerBound * nr..<min(n, colPanels.upperBound * nr), c: out.base, ldc: ldc)
        }
    }

    /// C = op(A)·op(B) on arrays: the safe entry point for callers that hold `[Float]` matrices.
    ///
    /// `a` holds op(A) (m×k) row-major, or its transpose when `transposeA`; likewise `b` for op(B) (k×n).
    package static func product(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        parallelism: Parallelism
    ) -> [Float] {
        precondition(a.count == m * k && b.count == k * n, "operands do not match m, n, k")
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    guard let a = pa.baseAddress, let b = pb.baseAddress, let c = pc.baseAddress else { return }
                    multiply(
                        m: m, n: n, k: k, a: Operand(base: a, ld: transposeA ? m : k, transposed: transposeA),
                        b: Operand(base: b, ld: transposeB ? k : n, transposed: transposeB), c: c, ldc: n,
                        parallelism: parallelism)
                }
            }
        }
        return c
    }

    private static func computeTile(
        rows: Range<Int>, cols: Range<Int>, m: Int, n: Int, k: Int,
        packedA: UnsafeMutablePointer<Float>, packedB: UnsafeMutablePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        let mr = MicroKernel.mr, nr = MicroKernel.nr
        if k == 0 {
            if !accumulate {
                for i in rows.lowerBound * mr..<min(m, rows.upperBound * mr) {
                    for j in cols.lowerBound * nr..<min(n, cols.upperBound * nr) { c[i * ldc + j] = 0 }
                }
            }
            return
        }
        var pc = 0
        while pc < k {
            let kc = min(kBlock, k - pc)
            let add = accumulate || pc > 0
            for jp in cols {
                let bPanel = UnsafePointer(packedB + jp * nr * k + pc * nr)
                let j0 = jp * nr
                for ip in rows {
                    let aPanel = UnsafePointer(packedA + ip * mr * k + pc * mr)
                    let i0 = ip * mr
                    let target = c + i0 * ldc + j0
                    if i0 + mr <= m && j0 + nr <= n {
                        MicroKernel.block(aPanel, bPanel, kc: kc, target, ldc: ldc, accumulate: add)
                    } else {
                        MicroKernel.edgeBlock(
                            aPanel, bPanel, kc: kc, target, ldc: ldc,
                            rows: min(mr, m - i0), cols: min(nr, n - j0), accumulate: add)
                    }
                }
            }
            pc += kc
        }
    }

    /// Packs rows `panel*mr ..< panel*mr + mr` of op(A) as k groups of mr values, zero-padding past m.
    private static func packPanelA(_ a: Operand, panel: Int, m: Int, k: Int, into dst: UnsafeMutablePointer<Float>) {
        let mr = MicroKernel.mr
        let i0 = panel * mr
        let rows = min(mr, m - i0)
        if a.transposed {
            for p in 0..<k {
                let src = a.base + p * a.ld + i0
                for r in 0..<mr { dst[p * mr + r] = r < rows ? src[r] : 0 }
            }
        } else {
            for r in 0..<mr {
                if r < rows {
                    let src = a.base + (i0 + r) * a.ld
                    for p in 0..<k { dst[p * mr + r] = src[p] }
                } else {
                    for p in 0..<k { dst[p * mr + r] = 0 }
                }
            }
        }
    }

    /// Packs columns `panel*nr ..< panel*nr + nr` of op(B) as k groups of nr values, zero-padding past n.
    private static func packPanelB(_ b: Operand, panel: Int, n: Int, k: Int, into dst: UnsafeMutablePointer<Float>) {
        let nr = MicroKernel.nr
        let j0 = panel * nr
        let cols = min(nr, n - j0)
        if b.transposed {
            for c in 0..<nr {
                if c < cols {
                    let src = b.base + (j0 + c) * b.ld
                    for p in 0..<k { dst[p * nr + c] = src[p] }
                } else {
                    for p in 0..<k { dst[p * nr + c] = 0 }
                }
            }
        } else {
            for p in 0..<k {
                let src = b.base + p * b.ld + j0
                for c in 0..<nr { dst[p * nr + c] = c < cols ? src[c] : 0 }
            }
        }
    }

    private static func applyEpilogue(
        _ epilogue: Epilogue, rows: Range<Int>, cols: Range<Int>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        switch epilogue {
        case .none:
            return
        case .bias(let bias):
            for i in rows {
                let row = c + i * ldc
                for j in cols { row[j] += bias[j] }
            }
        case .biasReLU(let bias):
            for i in rows {
                let row = c + i * ldc
                for j in cols { row[j] = max(row[j] + bias[j], 0) }
            }
        }
    }
}
