/// The weight gradient's micro-kernel: a 6×16 block of dW[out, (ky, kx, c)] = Σ_p dy[p, out]·window[p, (ky, kx, c)]
/// from a packed A panel of dy and B rows read where they lie in the image.
///
/// It does what `MicroKernel.block` does with a packed B panel of window columns (the same fused
/// multiply-adds in the same p order, from zero), so results are bitwise those of the packed GEMM. When
/// the channels are a multiple of 8, each 8-column half of a panel is 8 consecutive channels of one tap,
/// so row p of B is two 8-float loads from the image through a table of the positions' tap pixels.
enum WindowColumnKernel {
    /// Where a column panel's two halves read: for each, the tap (index into a position's row of the tap
    /// table) and the first channel.
    struct Halves {
        var lowTap: Int, lowChannel: Int, highTap: Int, highChannel: Int
    }

    /// The block's sums over `count` positions: `a` is a packed A panel (6 values per position), `taps`
    /// holds `tapCount` pixel pointers per position (a run of zeros for pixels outside the image).
    ///
    /// Out of line for the same reason as `WindowMicroKernel.accumulate`: the twelve accumulators need
    /// the registers to themselves.
    @inline(never)
    static func block(
        _ a: UnsafePointer<Float>, taps: UnsafePointer<UnsafePointer<Float>>, tapCount: Int, halves: Halves, count: Int
    ) -> WindowMicroKernel.Accumulators {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        var ap = a, row = taps
        for _ in 0..<count {
            let b0 = UnsafeRawPointer(row[halves.lowTap] + halves.lowChannel).loadUnaligned(as: V.self)
            let b1 = UnsafeRawPointer(row[halves.highTap] + halves.highChannel).loadUnaligned(as: V.self)
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
            row += tapCount
        }
        return WindowMicroKernel.Accumulators(
            c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21, c30: c30, c31: c31, c40: c40, c41: c41,
            c50: c50, c51: c51)
    }
}
