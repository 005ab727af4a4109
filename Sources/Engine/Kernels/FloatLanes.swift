/// Sums over contiguous Floats in SIMD lanes, in an order fixed by the count alone.
///
/// Four 8-lane Float accumulators take elements round-robin, a scalar tail follows, and the lanes are
/// added in Double in lane order: vector speed, and the same bits on every call with the same data.
enum Lanes {
    typealias V = SIMD8<Float>

    /// Σ p[i].
    static func sum(_ p: UnsafePointer<Float>, count: Int) -> Double {
        reduce(p, count: count) {
            $0
        } scalar: {
            $0
        }
    }

    /// Σ (p[i] − m)².
    static func squaredDeviations(_ p: UnsafePointer<Float>, count: Int, from m: Float) -> Double {
        let centre = V(repeating: m)
        return reduce(p, count: count) { v in
            let d = v - centre
            return d * d
        } scalar: { x in
            (x - m) * (x - m)
        }
    }

    /// The lanes of `v` added in Double, in order.
    @inline(__always)
    static func total(_ v: V) -> Double {
        var sum = 0.0
        for lane in 0..<V.scalarCount { sum += Double(v[lane]) }
        return sum
    }

    @inline(__always)
    private static func reduce(
        _ p: UnsafePointer<Float>, count: Int, _ term: (V) -> V, scalar: (Float) -> Float
    ) -> Double {
        let raw = UnsafeRawPointer(p)
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var i = 0
        while i + 32 <= count {
            a0 += term(raw.loadUnaligned(fromByteOffset: i &* 4, as: V.self))
            a1 += term(raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: V.self))
            a2 += term(raw.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: V.self))
            a3 += term(raw.loadUnaligned(fromByteOffset: (i &+ 24) &* 4, as: V.self))
            i += 32
        }
        var tail: Float = 0
        while i < count {
            tail += scalar(p[i])
            i += 1
        }
        return total(a0) + total(a1) + total(a2) + total(a3) + Double(tail)
    }
}

/// A row of channels processed eight at a time: the last group of a count that is not a multiple of
/// eight is loaded zero-padded and stored partially.
enum ChannelLanes {
    typealias V = SIMD8<Float>

    /// Calls `body(first, lanes)` for channels `first ..< first + lanes`, in order.
    @inline(__always)
    static func forEach(_ channels: Int, _ body: (Int, Int) -> Void) {
        var ch = 0
        while ch < channels {
            body(ch, min(V.scalarCount, channels - ch))
            ch += V.scalarCount
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ lanes: Int) -> V {
        if lanes == V.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V()
        for lane in 0..<lanes { v[lane] = p[lane] }
        return v
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int) -> V { load(UnsafePointer(p), lanes) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == V.scalarCount {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
            return
        }
        for lane in 0..<lanes { p[lane] = v[lane] }
    }
}
