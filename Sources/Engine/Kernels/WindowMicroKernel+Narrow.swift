extension WindowMicroKernel {
    /// `accumulate` for a layer of at most eight output channels: twelve rows (two panels' windows) by
    /// eight columns, the first half of each packed B group.
    ///
    /// A 6×16 block would leave half of its twelve accumulators on padding columns; this one keeps all
    /// twelve on real outputs. Each value gets the same fused multiply-adds in the same order as in
    /// `accumulate`, so the results are the same bits.
    @inline(never)
    static func accumulateNarrow(
        _ first: Rows, _ second: Rows, taps: UnsafePointer<Int>, channels: Int, depth: Range<Int>,
        b: UnsafePointer<Float>, into acc: inout (Accumulators, Accumulators)
    ) {
        typealias V = SIMD8<Float>
        let rb = UnsafeRawPointer(b)
        var c0 = acc.0.c00, c1 = acc.0.c10, c2 = acc.0.c20, c3 = acc.0.c30, c4 = acc.0.c40, c5 = acc.0.c50
        var d0 = acc.1.c00, d1 = acc.1.c10, d2 = acc.1.c20, d3 = acc.1.c30, d4 = acc.1.c40, d5 = acc.1.c50
        var offset = 0
        var p = depth.lowerBound, tap = p / channels, start = p - tap * channels
        while p < depth.upperBound {
            let last = min(channels, start + depth.upperBound - p)
            let t = taps[tap]
            let (r0, r1, r2, r3, r4, r5) = (first.r0 + t, first.r1 + t, first.r2 + t, first.r3 + t, first.r4 + t, first.r5 + t)
            let (s0, s1, s2, s3, s4, s5) = (
                second.r0 + t, second.r1 + t, second.r2 + t, second.r3 + t, second.r4 + t, second.r5 + t
            )
            for ch in start..<last {
                let w = rb.loadUnaligned(fromByteOffset: offset, as: V.self)
                c0 = c0.addingProduct(V(repeating: r0[ch]), w)
                c1 = c1.addingProduct(V(repeating: r1[ch]), w)
                c2 = c2.addingProduct(V(repeating: r2[ch]), w)
                c3 = c3.addingProduct(V(repeating: r3[ch]), w)
                c4 = c4.addingProduct(V(repeating: r4[ch]), w)
                c5 = c5.addingProduct(V(repeating: r5[ch]), w)
                d0 = d0.addingProduct(V(repeating: s0[ch]), w)
                d1 = d1.addingProduct(V(repeating: s1[ch]), w)
                d2 = d2.addingProduct(V(repeating: s2[ch]), w)
                d3 = d3.addingProduct(V(repeating: s3[ch]), w)
                d4 = d4.addingProduct(V(repeating: s4[ch]), w)
                d5 = d5.addingProduct(V(repeating: s5[ch]), w)
                offset &+= 64
            }
            p += last - start
            (tap, start) = (tap + 1, 0)
        }
        (acc.0.c00, acc.0.c10, acc.0.c20, acc.0.c30, acc.0.c40, acc.0.c50) = (c0, c1, c2, c3, c4, c5)
        (acc.1.c00, acc.1.c10, acc.1.c20, acc.1.c30, acc.1.c40, acc.1.c50) = (d0, d1, d2, d3, d4, d5)
    }
}
