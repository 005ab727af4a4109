/// General matrix multiply C = op(A)·op(B) on row-major Float32 matrices, packed and cache-blocked.
///
/// Terms: op(A) is m×k and op(B) is k×n. A transposed operand is read in place through the packing
/// routines; nothing is copied into a transposed layout. C is split into tiles whose bounds depend on m
/// and n only; each tile is computed by one worker, summing over k in a fixed order (k split evenly into
/// blocks of at most `kBlock`, each accumulated by the micro-kernel in p order), so results do not
/// depend on the thread count.
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
        /// Zeroes each element whose counterpart in `gate` (laid out like C) is ≤ 0: a ReLU's backward,
        /// given its output.
        case reluGate(UnsafePointer<Float>)
    }

    static let kBlock = 256

    /// The length of each k block but the last: k split evenly into blocks of at most `kBlock`.
    ///
    /// The sums of C depend on it, so every kernel that must match `multiply` bit for bit takes it from here.
    static func kBlockSize(_ k: Int) -> Int {
        let blocks = max((k + kBlock - 1) / kBlock, 1)
        return (k + blocks - 1) / blocks
    }
    static let rowPanelsPerTile = 8
    static let colPanelsPerTile = 8
    /// From this many row tiles on, a tile spans every column (see `multiply`).
    static let tallRowTiles = 16
    /// Up to this many row tiles, a C with many columns is split into full-height strips (see `multiply`).
    static let wideRowTiles = 3
    /// Below this many multiply-adds, threads cost more than they save.
    static let parallelThreshold = 1 << 18

    /// Fills one packed panel of an operand, given the panel's index and where to write it.
    ///
    /// For A, rows `panel*mr ..< panel*mr + mr` as k groups of mr values; for B, columns
    /// `panel*nr ..< panel*nr + nr` as k groups of nr values; both zero-padded past the matrix. Lets a
    /// caller pack straight from its own layout (convolution windows from an image) instead of
    /// materialising the matrix first.
    package typealias PanelPacker = @Sendable (_ panel: Int, _ destination: UnsafeMutablePointer<Float>) -> Void

    /// Computes C = op(A)·op(B) (+ C when `accumulate`), then applies the epilogue.
    ///
    /// - Precondition: m, n, k ≥ 0; the operands and C (row stride `ldc`) cover their extents.
    /// - Complexity: 2·m·n·k flops, plus packing of m·k + k·n values.
    package static func multiply(
        m: Int, n: Int, k: Int, a: Operand, b: Operand,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false,
        epilogue: Epilogue = .none, workspace: GemmWorkspace? = nil, parallelism: Parallelism
    ) {
        multiply(
            m: m, n: n, k: k, packA: { packPanelA(a, panel: $0, m: m, k: k, into: $1) },
            packB: { packPanelB(b, panel: $0, n: n, k: k, into: $1) }, c: c, ldc: ldc, accumulate: accumulate,
            epilogue: epilogue, workspace: workspace, parallelism: parallelism)
    }

    /// The same product with operands given by their panel packers.
    ///
    /// B is packed first, whole, and A tile by tile just before its tile is computed (so it is still in
    /// cache) when C has one column of tiles, or whole beforehand otherwise; for a wide C
    /// (`splitsIntoStrips`), A is packed whole first and B strip by strip. The packed values, and so the
    /// results, are the same either way.
    package static func multiply(
        m: Int, n: Int, k: Int, packA: PanelPacker, packB: PanelPacker,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false,
        epilogue: Epilogue = .none, workspace: GemmWorkspace? = nil, parallelism: Parallelism
    ) {
        assert(m >= 0 && n >= 0 && k >= 0 && ldc >= n)
        guard m > 0, n > 0 else { return }
        let mr = MicroKernel.mr, nr = MicroKernel.nr
        let mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr
        let scratch = workspace ?? GemmWorkspace()
        let (packedA, packedB) = scratch.buffers(aCount: mPanels * mr * max(k, 1), bCount: nPanels * nr * max(k, 1))
        let work = m.multipliedReportingOverflow(by: n * k).partialValue
        let lanes = work >= parallelThreshold ? parallelism : .serial
        let pa = SharedPointer(base: packedA), pb = SharedPointer(base: packedB)
        let gridRowTiles = (mPanels + Self.rowPanelsPerTile - 1) / Self.rowPanelsPerTile
        // A tall C (many row tiles) is split into full-width tiles, each packing its own rows of A just
        // before use: A is then read from memory once, instead of packed whole, written back and read
        // again by every column of tiles. A wide, short C (a training batch's rows) is split the other way:
        // full-height strips of columns, each packing its own panels of B, so a strip's B is packed by the
        // thread that reads it.
        let wide = splitsIntoStrips(m: m, n: n)
        let colPanelsPerTile = gridRowTiles >= tallRowTiles ? nPanels : Self.colPanelsPerTile
        let rowPanelsPerTile = wide ? mPanels : Self.rowPanelsPerTile
        let rowTiles = wide ? 1 : gridRowTiles
        let colTiles = (nPanels + colPanelsPerTile - 1) / colPanelsPerTile
        let packAInTiles = colTiles == 1
        // What is packed whole before the tiles: B unless strips pack it, then A unless tiles pack it.
        let bUpfront = wide ? 0 : nPanels, aUpfront = packAInTiles ? 0 : mPanels
        lanes.forEach(bUpfront + aUpfront) { i in
            if i < bUpfront {
                packB(i, pb.base + i * nr * k)
            } else {
                packA(i - bUpfront, pa.base + (i - bUpfront) * mr * k)
            }
        }
        let out = SharedPointer(base: c)
        lanes.forEach(rowTiles * colTiles) { tile in
            let rowPanels = (tile / colTiles) * rowPanelsPerTile..<min(mPanels, (tile / colTiles + 1) * rowPanelsPerTile)
            let colPanels = (tile % colTiles) * colPanelsPerTile..<min(nPanels, (tile % colTiles + 1) * colPanelsPerTile)
            if packAInTiles {
                for panel in rowPanels { packA(panel, pa.base + panel * mr * k) }
            }
            if wide {
                for panel in colPanels { packB(panel, pb.base + panel * nr * k) }
            }
            computeTile(
                rows: rowPanels, cols: colPanels, m: m, n: n, k: k, packedA: pa.base, packedB: pb.base,
                c: out.base, ldc: ldc, accumulate: accumulate)
            applyEpilogue(
                epilogue, rows: rowPanels.lowerBound * mr..<min(m, rowPanels.upperBound * mr),
                cols: colPanels.lowerBound * nr..<min(n, colPanels.upperBound * nr), c: out.base, ldc: ldc)
        }
    }

    /// Whether `multiply` splits an m×n C into full-height strips of columns that pack their own B: at
    /// most `wideRowTiles` row tiles, at least two column tiles.
    package static func splitsIntoStrips(m: Int, n: Int) -> Bool {
        let mPanels = (m + MicroKernel.mr - 1) / MicroKernel.mr, nPanels = (n + MicroKernel.nr - 1) / MicroKernel.nr
        return (mPanels + rowPanelsPerTile - 1) / rowPanelsPerTile <= wideRowTiles && nPanels >= 2 * colPanelsPerTile
    }

    /// C = op(A)·op(B) on arrays: the safe entry point for callers that hold `[Float]` matrices.
    ///
    /// `a` holds op(A) (m×k) row-major, or its transpose when `transposeA`; likewise `b` for op(B) (k×n).
    package static func product(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        workspace: GemmWorkspace? = nil, parallelism: Parallelism
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
                        workspace: workspace, parallelism: parallelism)
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
        let blockSize = kBlockSize(k)
        // A bottom edge of one or two rows goes two column panels at a time (`twoRows`): at even offsets
        // in the tile, when both panels are whole; the panel after such a pair was computed with it and
        // is skipped.
        func paired(_ jp: Int) -> Bool {
            (jp - cols.lowerBound) % 2 == 0 && jp + 1 < cols.upperBound && (jp + 2) * nr <= n
        }
        var pc = 0
        while pc < k {
            let kc = min(blockSize, k - pc)
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
                    } else if m - i0 <= 2 && paired(jp) {
                        MicroKernel.twoRows(
                            aPanel, bPanel, bPanel + nr * k, kc: kc, target, ldc: ldc, rows: m - i0, accumulate: add)
                    } else if m - i0 <= 2 && jp > cols.lowerBound && paired(jp - 1) {
                        continue
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
    static func packPanelA(_ a: Operand, panel: Int, m: Int, k: Int, into dst: UnsafeMutablePointer<Float>) {
        let mr = MicroKernel.mr
        let i0 = panel * mr
        let rows = min(mr, m - i0)
        if a.transposed && rows == mr && i0 + 8 <= m && k > 0 {
            // Each p's six values are contiguous: one 8-wide copy per p (reading two more of A's m columns),
            // whose last two values the next p overwrites; the last p is copied alone so nothing is
            // written past the panel.
            let raw = UnsafeMutableRawPointer(dst)
            for p in 0..<k - 1 {
                let v = UnsafeRawPointer(a.base + p * a.ld + i0).loadUnaligned(as: SIMD8<Float>.self)
                raw.storeBytes(of: v, toByteOffset: p * mr * 4, as: SIMD8<Float>.self)
            }
            let src = a.base + (k - 1) * a.ld + i0
            for r in 0..<mr { dst[(k - 1) * mr + r] = src[r] }
        } else if a.transposed {
            for p in 0..<k {
                let src = a.base + p * a.ld + i0
                for r in 0..<rows { dst[p * mr + r] = src[r] }
                for r in rows..<mr { dst[p * mr + r] = 0 }
            }
        } else if rows == mr {
            // Six sequential reads, one sequential write.
            let r0 = a.base + i0 * a.ld, r1 = r0 + a.ld, r2 = r1 + a.ld, r3 = r2 + a.ld, r4 = r3 + a.ld, r5 = r4 + a.ld
            var out = dst
            for p in 0..<k {
                out[0] = r0[p]; out[1] = r1[p]; out[2] = r2[p]; out[3] = r3[p]; out[4] = r4[p]; out[5] = r5[p]
                out += mr
            }
        } else {
            for p in 0..<k {
                for r in 0..<rows { dst[p * mr + r] = a.base[(i0 + r) * a.ld + p] }
                for r in rows..<mr { dst[p * mr + r] = 0 }
            }
        }
    }

    /// Packs columns `panel*nr ..< panel*nr + nr` of op(B) as k groups of nr values, zero-padding past n.
    static func packPanelB(_ b: Operand, panel: Int, n: Int, k: Int, into dst: UnsafeMutablePointer<Float>) {
        let nr = MicroKernel.nr
        let j0 = panel * nr
        let cols = min(nr, n - j0)
        if b.transposed {
            // Column c of op(B) is row j0 + c of the stored matrix: read 8 of them at a time, sequentially.
            var c0 = 0
            while c0 < nr {
                if c0 + 8 <= cols {
                    let s = b.base + (j0 + c0) * b.ld
                    var p = 0
                    while p + 8 <= k {
                        transpose8x8(from: s + p, ld: b.ld, to: dst + p * nr + c0, ldOut: nr)
                        p += 8
                    }
                    for p in p..<k {
                        let out = dst + p * nr + c0
                        out[0] = s[p]; out[1] = s[b.ld + p]; out[2] = s[2 * b.ld + p]; out[3] = s[3 * b.ld + p]
                        out[4] = s[4 * b.ld + p]; out[5] = s[5 * b.ld + p]; out[6] = s[6 * b.ld + p]; out[7] = s[7 * b.ld + p]
                    }
                } else {
                    for p in 0..<k {
                        for c in c0..<c0 + 8 { dst[p * nr + c] = c < cols ? b.base[(j0 + c) * b.ld + p] : 0 }
                    }
                }
                c0 += 8
            }
        } else if cols == nr {
            let raw = UnsafeMutableRawPointer(dst)
            for p in 0..<k {
                let src = UnsafeRawPointer(b.base + p * b.ld + j0)
                raw.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), toByteOffset: p * 64, as: SIMD16<Float>.self)
            }
        } else {
            for p in 0..<k {
                let src = b.base + p * b.ld + j0
                for c in 0..<cols { dst[p * nr + c] = src[c] }
                for c in cols..<nr { dst[p * nr + c] = 0 }
            }
        }
    }

    /// Writes the transpose of the 8×8 block at `source` (rows `ld` apart) to `target` (rows `ldOut` apart).
    ///
    /// Three rounds of deinterleaving the 64 values (row-major) as one sequence each rotate an element's
    /// 6-bit index right by one bit; three rotate (row, column) into (column, row). Eight loads, eight
    /// stores and 24 in-register shuffles instead of 64 strided loads.
    @inline(__always)
    static func transpose8x8(
        from source: UnsafePointer<Float>, ld: Int, to target: UnsafeMutablePointer<Float>, ldOut: Int
    ) {
        typealias V = SIMD8<Float>
        let raw = UnsafeRawPointer(source)
        func row(_ i: Int) -> V { raw.loadUnaligned(fromByteOffset: i &* ld &* 4, as: V.self) }
        var r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
        for _ in 0..<3 {
            let p0 = SIMD16(lowHalf: r0, highHalf: r1), p1 = SIMD16(lowHalf: r2, highHalf: r3)
            let p2 = SIMD16(lowHalf: r4, highHalf: r5), p3 = SIMD16(lowHalf: r6, highHalf: r7)
            (r0, r1, r2, r3) = (p0.evenHalf, p1.evenHalf, p2.evenHalf, p3.evenHalf)
            (r4, r5, r6, r7) = (p0.oddHalf, p1.oddHalf, p2.oddHalf, p3.oddHalf)
        }
        let out = UnsafeMutableRawPointer(target), stride = ldOut &* 4
        out.storeBytes(of: r0, toByteOffset: 0, as: V.self)
        out.storeBytes(of: r1, toByteOffset: stride, as: V.self)
        out.storeBytes(of: r2, toByteOffset: 2 &* stride, as: V.self)
        out.storeBytes(of: r3, toByteOffset: 3 &* stride, as: V.self)
        out.storeBytes(of: r4, toByteOffset: 4 &* stride, as: V.self)
        out.storeBytes(of: r5, toByteOffset: 5 &* stride, as: V.self)
        out.storeBytes(of: r6, toByteOffset: 6 &* stride, as: V.self)
        out.storeBytes(of: r7, toByteOffset: 7 &* stride, as: V.self)
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
        case .reluGate(let gate):
            for i in rows {
                let row = c + i * ldc, y = gate + i * ldc
                for j in cols { row[j] = y[j] <= 0 ? 0 : row[j] }
            }
        }
    }
}
