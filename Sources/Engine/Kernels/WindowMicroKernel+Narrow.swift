extension WindowMicroKernel {
    /// `accumulate` for a layer of at most eight output channels: twelve rows (two panels' windows) by
    /// eight columns, the first half of each packed B group.
    ///
    /// A 6×16 block would leave half of its twelve accumulators on padding columns; this one keeps all
    /// twelve on real outputs. Each value gets the same fused multiply-adds in the same order as in
    /// `accumulate`, so the results are the same bits.
    @inline(never)
    static func accumulateNarrow(
        _ first: UnsafePointer<Rows>, _ second: UnsafePointer<Rows>, channels: Int, depth: Range<Int>,
        b: UnsafePointer<Float>, into acc: inout (Accumulators, Accumulators)
    ) {
        typealias V = SIMD8<Float>
        let rb = UnsafeRawPointer(b)
        var c0 = acc.0.c00, c1 = acc.0.c10, c2 = acc.0.c20, c3 = acc.0.c30, c4 = acc.0.c40, c5 = acc.0.c50
        var d0 = acc.1.c00, d1 = acc.1.c10, d2 = acc.1.c20, d3 = acc.1.c30, d4 = acc.1.c40, d5 = acc.1.c50
        var offset = 0
        var p = depth.lowerBound
        while p < depth.upperBound {
            let tap = p / channels, start = p - tap * channels
            let last = min(channels, start + depth.upperBound - p)
            let (r, s) = (first[tap], second[tap])
            for ch in start..<last {
                let w = rb.loadUnaligned(fromByteOffset: offset, as: V.self)
                c0 = c0.addingProduct(V(repeating: r.r0[ch]), w)
                c1 = c1.addingProduct(V(repeating: r.r1[ch]), w)
                c2 = c2.addingProduct(V(repeating: r.r2[ch]), w)
                c3 = c3.addingProduct(V(repeating: r.r3[ch]), w)
                c4 = c4.addingProduct(V(repeating: r.r4[ch]), w)
                c5 = c5.addingProduct(V(repeating: r.r5[ch]), w)
                d0 = d0.addingProduct(V(repeating: s.r0[ch]), w)
                d1 = d1.addingProduct(V(repeating: s.r1[ch]), w)
                d2 = d2.addingProduct(V(repeating: s.r2[ch]), w)
                d3 = d3.addingProduct(V(repeating: s.r3[ch]), w)
                d4 = d4.addingProduct(V(repeating: s.r4[ch]), w)
                d5 = d5.addingProduct(V(repeating: s.r5[ch]), w)
                offset &+= 64
            }
            p += last - start
        }
        (acc.0.c00, acc.0.c10, acc.0.c20, acc.0.c30, acc.0.c40, acc.0.c50) = (c0, c1, c2, c3, c4, c5)
        (acc.1.c00, acc.1.c10, acc.1.c20, acc.1.c30, acc.1.c40, acc.1.c50) = (d0, d1, d2, d3, d4, d5)
    }
}
