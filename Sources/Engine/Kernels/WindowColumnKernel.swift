/// The weight gradient's micro-kernel: a 6×16 block of dW[out, (ky, kx, c)] = Σ_p dy[p, out]·window[p, (ky, kx, c)]
/// from a packed A panel of dy and B rows read where they lie in the image.
///
/// Both kernels do what `MicroKernel.block` does with a packed B panel of window columns (for each
/// element, the same fused multiply-adds in the same p order, from zero), so results are bitwise those
/// of the packed GEMM. Window pixels are read from a table of each position's window origin in a
/// `Convolution.PaddedImage`, at fixed offsets from it.
enum WindowColumnKernel {
    /// The block's sums over `count` positions: position p's six A values (dy of six outputs) are at
    /// `a + p * stride`; its sixteen B values are eight at `origins[p] + low` and eight at `origins[p] + high`
    /// (the column panel's two halves, each 8 channels of one tap).
    ///
    /// Out of line for the same reason as `WindowMicroKernel.accumulate`: the twelve accumulators need
    /// the registers to themselves.
    @inline(never)
    static func block(
        _ a: UnsafePointer<Float>, stride: Int, origins: UnsafePointer<UnsafePointer<Float>>, low: Int, high: Int,
        count: Int
    ) -> WindowMicroKernel.Accumulators {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a, origin = origins
        for _ in 0..<count {
            let b0 = UnsafeRawPointer(origin.pointee + low).loadUnaligned(as: V.self)
            let b1 = UnsafeRawPointer(origin.pointee + high).loadUnaligned(as: V.self)
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
            ap += stride
            origin += 1
        }
        return WindowMicroKernel.Accumulators(
            c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21, c30: c30, c31: c31, c40: c40, c41: c41,
            c50: c50, c51: c51)
    }

    /// One input channel and nine taps: dW[o, t] for the 8 outputs starting at `dy` (whose position p is at
    /// `dy + p * ldy`), as `acc[t] += window(p, t) · dy[p]` for p ascending, window(p, t) at
    /// `origins[p] + taps[t]`; then written to `c` (row stride 9, one row per output), added to what is
    /// there when `accumulate`, as the GEMM's edge block adds.
    @inline(never)
    static func singleChannel(
        dy: UnsafePointer<Float>, ldy: Int, origins: UnsafePointer<UnsafePointer<Float>>, taps: UnsafePointer<Int>,
        count: Int, into c: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        typealias V = SIMD8<Float>
        var t0 = V(), t1 = V(), t2 = V(), t3 = V(), t4 = V(), t5 = V(), t6 = V(), t7 = V(), t8 = V()
        // Tap 0 is the origin itself.
        let (o1, o2, o3, o4) = (taps[1], taps[2], taps[3], taps[4])
        let (o5, o6, o7, o8) = (taps[5], taps[6], taps[7], taps[8])
        var d = dy, origin = origins
        for _ in 0..<count {
            let v = UnsafeRawPointer(d).loadUnaligned(as: V.self)
            let o = origin.pointee
            t0 = t0.addingProduct(V(repeating: o[0]), v)
            t1 = t1.addingProduct(V(repeating: o[o1]), v)
            t2 = t2.addingProduct(V(repeating: o[o2]), v)
            t3 = t3.addingProduct(V(repeating: o[o3]), v)
            t4 = t4.addingProduct(V(repeating: o[o4]), v)
            t5 = t5.addingProduct(V(repeating: o[o5]), v)
            t6 = t6.addingProduct(V(repeating: o[o6]), v)
            t7 = t7.addingProduct(V(repeating: o[o7]), v)
            t8 = t8.addingProduct(V(repeating: o[o8]), v)
            d += ldy
            origin += 1
        }
        func store(_ t: Int, _ sums: V) {
            for o in 0..<8 { c[o * 9 + t] = accumulate ? c[o * 9 + t] + sums[o] : sums[o] }
        }
        store(0, t0); store(1, t1); store(2, t2); store(3, t3); store(4, t4)
        store(5, t5); store(6, t6); store(7, t7); store(8, t8)
    }
}
