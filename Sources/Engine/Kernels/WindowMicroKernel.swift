/// The convolution's forward micro-kernel: a 6×16 block of C read straight from six image windows.
///
/// It computes what `MicroKernel.block` computes from a packed A panel of im2col rows, with the same
/// sums in the same order (p ascending within each k block, blocks added to C in order), so results are
/// bitwise those of the packed GEMM; but A is never packed: for each tap, the six rows' pixels are
/// contiguous runs of channels in the (padded) NHWC image, read where they lie.
enum WindowMicroKernel {
    /// Six pointers, one per row of the block: where each row's window starts (its top-left tap) in a
    /// `Convolution.PaddedImage`.
    struct Rows {
        var r0, r1, r2, r3, r4, r5: UnsafePointer<Float>
    }

    /// Accumulates `acc += Σ_{p in depth} window(p) ⊗ b[p - depth.lowerBound]`, p ascending as in the GEMM.
    ///
    /// Depth index p is channel `p % channels` of tap `p / channels`, which row r reads at
    /// `origins.r + taps[tap]`; `b` points at the packed B panel's group for `depth.lowerBound`.
    ///
    /// Out of line on purpose: inlined into its caller's loops, one accumulator was spilled to the stack
    /// on every step (15 of 16 vector registers are needed here, and the caller holds more). The taps
    /// are looped over here, not by the caller, so a layer with few channels per tap does not pay a call
    /// and twelve accumulator loads and stores per tap.
    @inline(never)
    static func accumulate(
        _ origins: Rows, taps: UnsafePointer<Int>, channels: Int, depth: Range<Int>, b: UnsafePointer<Float>,
        into acc: inout Accumulators
    ) {
        acc = sums(origins, taps: taps, channels: channels, depth: depth, b: b, from: acc)
    }

    /// A whole 6×16 block's sums over `depth` from zero, written to `c` (row stride `ldc`), or added to
    /// what is there when `adding`: `accumulate` then `Accumulators.storeFull`, without passing the
    /// accumulators through memory between the two (with few channels a tap, that cost as much as the sums).
    @inline(never)
    static func storeBlock(
        _ origins: Rows, taps: UnsafePointer<Int>, channels: Int, depth: Range<Int>, b: UnsafePointer<Float>,
        to c: UnsafeMutablePointer<Float>, ldc: Int, adding: Bool
    ) {
        sums(origins, taps: taps, channels: channels, depth: depth, b: b, from: Accumulators())
            .storeFull(to: c, ldc: ldc, accumulate: adding)
    }

    @inline(__always)
    private static func sums(
        _ origins: Rows, taps: UnsafePointer<Int>, channels: Int, depth: Range<Int>, b: UnsafePointer<Float>,
        from acc: Accumulators
    ) -> Accumulators {
        typealias V = SIMD8<Float>
        let rb = UnsafeRawPointer(b)
        // Local copies: the compiler cannot prove the image does not alias `acc`, and would otherwise
        // store every accumulator back on every step.
        var c00 = acc.c00, c01 = acc.c01, c10 = acc.c10, c11 = acc.c11, c20 = acc.c20, c21 = acc.c21
        var c30 = acc.c30, c31 = acc.c31, c40 = acc.c40, c41 = acc.c41, c50 = acc.c50, c51 = acc.c51
        var offset = 0
        // One division for the block, not one per tap: with one channel a tap, the chain of divisions
        // took longer than the tap's twelve multiply-adds.
        var p = depth.lowerBound, tap = p / channels, first = p - tap * channels
        while p < depth.upperBound {
            let last = min(channels, first + depth.upperBound - p)
            let t = taps[tap]
            let (r0, r1, r2) = (origins.r0 + t, origins.r1 + t, origins.r2 + t)
            let (r3, r4, r5) = (origins.r3 + t, origins.r4 + t, origins.r5 + t)
            for ch in first..<last {
                let b0 = rb.loadUnaligned(fromByteOffset: offset, as: V.self)
                let b1 = rb.loadUnaligned(fromByteOffset: offset &+ 32, as: V.self)
                var s = V(repeating: r0[ch])
                c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
                s = V(repeating: r1[ch])
                c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
                s = V(repeating: r2[ch])
                c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
                s = V(repeating: r3[ch])
                c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
                s = V(repeating: r4[ch])
                c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
                s = V(repeating: r5[ch])
                c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
                offset &+= 64
            }
            p += last - first
            (tap, first) = (tap + 1, 0)
        }
        return Accumulators(
            c00: c00, c01: c01, c10: c10, c11: c11, c20: c20, c21: c21, c30: c30, c31: c31, c40: c40, c41: c41,
            c50: c50, c51: c51)
    }

    /// The block's twelve 8-lane accumulators (row r, columns 0–7 and 8–15).
    struct Accumulators {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()

        /// Writes `rows × cols` of the block to `c` (row stride `ldc`), adding to what is there when
        /// `accumulate`: the same roundings as `MicroKernel`'s store and edge block.
        @inline(__always)
        func store(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
            for r in 0..<rows {
                let row = c + r * ldc
                var (lo, hi) = self.row(r)
                var j = 0
                if cols >= 8 {
                    // Whole lower half at once: the common case of a layer with 8 output channels.
                    let raw = UnsafeMutableRawPointer(row)
                    if accumulate { lo += raw.loadUnaligned(as: SIMD8<Float>.self) }
                    raw.storeBytes(of: lo, as: SIMD8<Float>.self)
                    (lo, j) = (hi, 8)
                }
                for j in j..<cols { row[j] = accumulate ? row[j] + lo[j & 7] : lo[j & 7] }
            }
        }

        @inline(__always)
        private func row(_ r: Int) -> (SIMD8<Float>, SIMD8<Float>) {
            switch r {
            case 0: (c00, c01)
            case 1: (c10, c11)
            case 2: (c20, c21)
            case 3: (c30, c31)
            case 4: (c40, c41)
            default: (c50, c51)
            }
        }

        @inline(__always)
        func storeFull(to c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
            MicroKernel.store(c00, c01, to: c, accumulate: accumulate)
            MicroKernel.store(c10, c11, to: c + ldc, accumulate: accumulate)
            MicroKernel.store(c20, c21, to: c + 2 &* ldc, accumulate: accumulate)
            MicroKernel.store(c30, c31, to: c + 3 &* ldc, accumulate: accumulate)
            MicroKernel.store(c40, c41, to: c + 4 &* ldc, accumulate: accumulate)
            MicroKernel.store(c50, c51, to: c + 5 &* ldc, accumulate: accumulate)
        }
    }
}
