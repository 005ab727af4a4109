extension Normalization {
    /// dL/dy as backward reads it: masked by a fused ReLU's output when there is one (kept where the output
    /// is positive, as the ReLU's own backward keeps it), with backward's hot loops for whole groups of
    /// eight channels.
    ///
    /// The loops compute what the general lane-by-lane code computes, expression for expression, so the
    /// bits do not depend on which one ran; they exist because the general code, with its partial lanes
    /// and per-row statistics, compiles to loops several times slower.
    struct UpstreamGradient: @unchecked Sendable {
        typealias V = ChannelLanes.V
        let dy: UnsafePointer<Float>
        let reluOutput: UnsafePointer<Float>?

        @inline(__always)
        func load(_ e: Int, _ lanes: Int) -> V {
            let d = ChannelLanes.load(dy + e, lanes)
            guard let reluOutput else { return d }
            return d.replacing(with: 0, where: .!(ChannelLanes.load(reluOutput + e, lanes) .> 0))
        }

        @inline(__always)
        private func load(_ e: Int, masked: Bool) -> V {
            let d = UnsafeRawPointer(dy + e).loadUnaligned(as: V.self)
            guard masked, let reluOutput else { return d }
            return d.replacing(with: 0, where: .!(UnsafeRawPointer(reluOutput + e).loadUnaligned(as: V.self) .> 0))
        }

        /// (Σ dy·x̂, Σ dy) over `rows` rows `stride` apart from element `first`, for eight channels whose mean
        /// and 1/σ are the same at every row; with `pair`, also for the eight channels after them (their
        /// own mean and 1/σ), as two independent chains of sums: the same sums, half the latency.
        func sums(
            _ x: UnsafePointer<Float>, from first: Int, rows: Int, stride: Int, _ low: (V, V), pair high: (V, V)?
        ) -> (low: (V, V), high: (V, V)) {
            switch (reluOutput == nil, high) {
            case (true, let high?): Self.sums(self, masked: false, x, first, rows, stride, low, high)
            case (false, let high?): Self.sums(self, masked: true, x, first, rows, stride, low, high)
            case (true, nil): (Self.sums(self, masked: false, x, first, rows, stride, low), (V(), V()))
            case (false, nil): (Self.sums(self, masked: true, x, first, rows, stride, low), (V(), V()))
            }
        }

        @inline(never)
        private static func sums(
            _ g: UpstreamGradient, masked: Bool, _ x: UnsafePointer<Float>, _ first: Int, _ rows: Int, _ stride: Int,
            _ k: (mean: V, inverse: V)
        ) -> (V, V) {
            var dyXhat = V(), dySum = V()
            var e = first
            for _ in 0..<rows {
                let d = g.load(e, masked: masked)
                dyXhat = dyXhat.addingProduct(d, (UnsafeRawPointer(x + e).loadUnaligned(as: V.self) - k.mean) * k.inverse)
                dySum += d
                e &+= stride
            }
            return (dyXhat, dySum)
        }

        @inline(never)
        private static func sums(
            _ g: UpstreamGradient, masked: Bool, _ x: UnsafePointer<Float>, _ first: Int, _ rows: Int, _ stride: Int,
            _ low: (mean: V, inverse: V), _ high: (mean: V, inverse: V)
        ) -> (low: (V, V), high: (V, V)) {
            let xs = UnsafeRawPointer(x)
            var (lowXhat, lowSum, highXhat, highSum) = (V(), V(), V(), V())
            var e = first
            for _ in 0..<rows {
                let (d0, d1) = (g.load(e, masked: masked), g.load(e &+ V.scalarCount, masked: masked))
                let x0 = xs.loadUnaligned(fromByteOffset: e &* 4, as: V.self)
                let x1 = xs.loadUnaligned(fromByteOffset: (e &+ V.scalarCount) &* 4, as: V.self)
                lowXhat = lowXhat.addingProduct(d0, (x0 - low.mean) * low.inverse)
                highXhat = highXhat.addingProduct(d1, (x1 - high.mean) * high.inverse)
                lowSum += d0
                highSum += d1
                e &+= stride
            }
            return ((lowXhat, lowSum), (highXhat, highSum))
        }

        /// GroupNorm's dx on `rows` rows of `channels` (a multiple of eight), from per-channel coefficients
        /// `k`: mean, 1/σ, mean(dx̂) and mean(dx̂·x̂), `channels` of each.
        func groupDx(
            _ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, coefficients k: UnsafePointer<Float>,
            _ dx: UnsafeMutablePointer<Float>, rows: Range<Int>, channels c: Int
        ) {
            reluOutput == nil
                ? Self.groupDx(self, masked: false, x, gamma, k, dx, rows, c)
                : Self.groupDx(self, masked: true, x, gamma, k, dx, rows, c)
        }

        @inline(never)
        private static func groupDx(
            _ g: UpstreamGradient, masked: Bool, _ x: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
            _ k: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ rows: Range<Int>, _ c: Int
        ) {
            func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
            for s in rows {
                var ch = 0
                while ch < c {
                    let e = s &* c &+ ch
                    let (mean, inverse) = (load(k + ch), load(k + c + ch))
                    let (meanD, meanDX) = (load(k + 2 &* c + ch), load(k + 3 &* c + ch))
                    let xhat = (load(x + e) - mean) * inverse
                    let d = g.load(e, masked: masked) * load(gamma + ch)
                    UnsafeMutableRawPointer(dx + e).storeBytes(of: inverse * (d - meanD - xhat * meanDX), as: V.self)
                    ch &+= V.scalarCount
                }
            }
        }
    }
}
