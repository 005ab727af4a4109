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

    /// One input channel: dW[o, t] for 16 outputs and the taps `tapRange` (at most five).
    ///
    /// Sums `acc[o, t] += window(p, t) · dy[p, o]` for p ascending, window(p, t) at `origins[p] + taps[t]`;
    /// then writes them to `c` (row stride `taps.count`, one row per output), added to what is there when
    /// `accumulate`, as the GEMM's edge block adds. `outputs` is 16 or 8 (a last eight), whose dy at
    /// position p is at `dy + p * ldy`.
    ///
    /// Ten accumulators and two dy vectors leave room for the broadcasts: nine taps at once spilled three
    /// accumulators to the stack, and each step then waited on a store and a reload.
    @inline(never)
    static func singleChannel(
        dy: UnsafePointer<Float>, ldy: Int, outputs: Int, origins: UnsafePointer<UnsafePointer<Float>>,
        taps: UnsafeBufferPointer<Int>, tapRange: Range<Int>, count: Int, into c: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        assert(tapRange.count <= 5 && (outputs == 16 || outputs == 8), "a 5×16 block")
        typealias V = SIMD8<Float>
        // Taps past the range repeat its first: computed, never stored.
        func offset(_ i: Int) -> Int { taps[tapRange.lowerBound + (i < tapRange.count ? i : 0)] }
        let (o0, o1, o2, o3, o4) = (offset(0), offset(1), offset(2), offset(3), offset(4))
        var (a0, a1, a2, a3, a4) = (V(), V(), V(), V(), V())
        var (b0, b1, b2, b3, b4) = (V(), V(), V(), V(), V())
        var d = UnsafeRawPointer(dy), origin = origins
        // With eight outputs, the upper half reads them again (computed, never stored).
        let (step, second) = (ldy &* 4, outputs > 8 ? 32 : 0)
        for _ in 0..<count {
            let (low, up) = (d.loadUnaligned(as: V.self), d.loadUnaligned(fromByteOffset: second, as: V.self))
            let o = origin.pointee
            var s = V(repeating: o[o0])
            a0 = a0.addingProduct(s, low); b0 = b0.addingProduct(s, up)
            s = V(repeating: o[o1])
            a1 = a1.addingProduct(s, low); b1 = b1.addingProduct(s, up)
            s = V(repeating: o[o2])
            a2 = a2.addingProduct(s, low); b2 = b2.addingProduct(s, up)
            s = V(repeating: o[o3])
            a3 = a3.addingProduct(s, low); b3 = b3.addingProduct(s, up)
            s = V(repeating: o[o4])
            a4 = a4.addingProduct(s, low); b4 = b4.addingProduct(s, up)
            d += step
            origin += 1
        }
        func store(_ i: Int, _ low: V, _ high: V) {
            guard i < tapRange.count else { return }
            let column = c + tapRange.lowerBound + i
            for o in 0..<outputs {
                let value = o < 8 ? low[o] : high[o - 8], target = column + o * taps.count
                target.pointee = accumulate ? target.pointee + value : value
            }
        }
        store(0, a0, b0); store(1, a1, b1); store(2, a2, b2); store(3, a3, b3); store(4, a4, b4)
    }
}
