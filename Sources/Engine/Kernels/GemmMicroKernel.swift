/// The GEMM micro-kernels: a 6×16 block of C from packed panels, kept in 12 AVX registers (and a 2×32
/// block for bottom edges).
///
/// Shape: `a` is a packed A panel, `kc` groups of `mr = 6` values (one per row); `b` is a packed B panel,
/// `kc` groups of `nr = 16` values (one per column). For each p in order the kernel does
/// `acc[r][c] += a[p][r] * b[p][c]` with one fused multiply-add: the order of the sum is fixed by the code.
enum MicroKernel {
    static let mr = 6
    static let nr = 16

    /// Computes the block and writes it to `c` (row stride `ldc`), adding to what is there when `accumulate`.
    ///
    /// - Precondition: the block lies fully inside C (edge blocks go through `edgeBlock`).
    @inline(__always)
    static func block(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, kc: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let rb = UnsafeRawPointer(b)
        var ap = a
        for p in 0..<kc {
            let b0 = rb.loadUnaligned(fromByteOffset: p &* 64, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p &* 64 &+ 32, as: V.self)
            var s = V(repeating: ap[0])
            c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: ap[1])
            c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: ap[2])
            c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: ap[3])
            c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: ap[4])
            c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: ap[5])
            c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            ap += 6
        }
        store(c00, c01, to: c, accumulate: accumulate)
        store(c10, c11, to: c + ldc, accumulate: accumulate)
        store(c20, c21, to: c + 2 &* ldc, accumulate: accumulate)
        store(c30, c31, to: c + 3 &* ldc, accumulate: accumulate)
        store(c40, c41, to: c + 4 &* ldc, accumulate: accumulate)
        store(c50, c51, to: c + 5 &* ldc, accumulate: accumulate)
    }

    /// Writes one row of a block (16 values), adding to what is there when `accumulate`.
    @inline(__always)
    static func store(
        _ lo: SIMD8<Float>, _ hi: SIMD8<Float>, to c: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let row = UnsafeMutableRawPointer(c)
        var lo = lo, hi = hi
        if accumulate {
            lo += row.loadUnaligned(as: SIMD8<Float>.self)
            hi += row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        }
        row.storeBytes(of: lo, as: SIMD8<Float>.self)
        row.storeBytes(of: hi, toByteOffset: 32, as: SIMD8<Float>.self)
    }

    /// A 2×32 block of C over two column panels, `rows` of its two rows stored.
    ///
    /// For the bottom edge of a C whose rows are not a multiple of six: a third of a full block's cost
    /// (eight accumulators keep both FMA pipes busy, where a 2×16 block would not). Each value is the sum
    /// `block` computes for it, in the same order.
    @inline(never)
    static func twoRows(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ b2: UnsafePointer<Float>, kc: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, accumulate: Bool
    ) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c02 = V(), c03 = V(), c10 = V(), c11 = V(), c12 = V(), c13 = V()
        let (rb, rb2) = (UnsafeRawPointer(b), UnsafeRawPointer(b2))
        var ap = a
        for p in 0..<kc {
            let b0 = rb.loadUnaligned(fromByteOffset: p &* 64, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p &* 64 &+ 32, as: V.self)
            let b2 = rb2.loadUnaligned(fromByteOffset: p &* 64, as: V.self)
            let b3 = rb2.loadUnaligned(fromByteOffset: p &* 64 &+ 32, as: V.self)
            var s = V(repeating: ap[0])
            c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            c02 = c02.addingProduct(s, b2); c03 = c03.addingProduct(s, b3)
            s = V(repeating: ap[1])
            c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            c12 = c12.addingProduct(s, b2); c13 = c13.addingProduct(s, b3)
            ap += mr
        }
        store(c00, c01, to: c, accumulate: accumulate)
        store(c02, c03, to: c + nr, accumulate: accumulate)
        if rows > 1 {
            store(c10, c11, to: c + ldc, accumulate: accumulate)
            store(c12, c13, to: c + ldc + nr, accumulate: accumulate)
        }
    }

    /// A partial block at the bottom or right edge of C: computed whole into scratch, then `rows × cols` copied.
    @inline(never)
    static func edgeBlock(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, kc: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { scratch in
            guard let s = scratch.baseAddress else { return }
            block(a, b, kc: kc, s, ldc: nr, accumulate: false)
            for r in 0..<rows {
                for j in 0..<cols {
                    c[r * ldc + j] = accumulate ? c[r * ldc + j] + s[r * nr + j] : s[r * nr + j]
                }
            }
        }
    }
}
