/// Max pooling (2×2, stride 2), average pooling over k×k windows (stride k) and global average pooling on
/// NHWC activations, forward and backward.
package enum Pooling {
    /// y[n, oy, ox, c] = max over the 2×2 window, odd edges dropped; one sample per piece.
    ///
    /// `argmax` records the winning input index for backward: the first maximum in window order, so ties
    /// resolve the same way every time; a NaN wins, so a diverged input is not hidden.
    package static func maxForward(
        x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int, y: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>, parallelism: Parallelism = .serial
    ) {
        let oh = height / 2, ow = width / 2
        let (xs, ys) = (SharedReadPointer(base: x), SharedPointer(base: y))
        let indices = SharedPointer(base: argmax)
        parallelism.forEach(batch) { n in
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let out = ((n * oh + oy) * ow + ox) * channels
                    let corner = ((n * height + 2 * oy) * width + 2 * ox) * channels
                    let offsets = (channels, width * channels, (width + 1) * channels)
                    var c = 0
                    while c + 8 <= channels {
                        let (best, at) = windowMax8(xs.base, corner + c, offsets)
                        UnsafeMutableRawPointer(ys.base + out + c).storeBytes(of: best, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(indices.base + out + c).storeBytes(of: at, as: SIMD8<Int32>.self)
                        c += 8
                    }
                    for c in c..<channels {
                        var at = corner + c
                        var best = xs.base[at]
                        for i in [at + offsets.0, at + offsets.1, at + offsets.2] where wins(xs.base[i], over: best) {
                            (best, at) = (xs.base[i], i)
                        }
                        ys.base[out + c] = best
                        indices.base[out + c] = Int32(at)
                    }
                }
            }
        }
    }

    /// Whether `candidate` replaces `best` in window order: strictly greater, or NaN (unless best is NaN).
    @inline(__always)
    private static func wins(_ candidate: Float, over best: Float) -> Bool {
        !best.isNaN && (candidate > best || candidate.isNaN)
    }

    /// `maxForward` on 8 consecutive channels at once, with the same rule as `wins`.
    @inline(__always)
    private static func windowMax8(
        _ x: UnsafePointer<Float>, _ first: Int, _ offsets: (Int, Int, Int)
    ) -> (SIMD8<Float>, SIMD8<Int32>) {
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        var best = UnsafeRawPointer(x + first).loadUnaligned(as: SIMD8<Float>.self)
        var at = SIMD8<Int32>(repeating: Int32(first)) &+ lanes
        for offset in [offsets.0, offsets.1, offsets.2] {
            let v = UnsafeRawPointer(x + first + offset).loadUnaligned(as: SIMD8<Float>.self)
            let replace = (best .== best) .& ((v .> best) .| (v .!= v))
            best.replace(with: v, where: replace)
            at.replace(with: SIMD8<Int32>(repeating: Int32(first + offset)) &+ lanes, where: replace)
        }
        return (best, at)
    }

    /// dx = dy routed to each window's maximum (windows do not overlap), zero elsewhere; one sample per
    /// piece (a sample's maxima lie in its own input).
    package static func maxBackward(
        dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, batch: Int, outputsPerSample: Int,
        inputsPerSample: Int, dx: UnsafeMutablePointer<Float>, parallelism: Parallelism = .serial
    ) {
        let (gradient, indices, out) = (SharedReadPointer(base: dy), SharedReadPointer(base: argmax), SharedPointer(base: dx))
        parallelism.forEach(batch) { n in
            (out.base + n * inputsPerSample).update(repeating: 0, count: inputsPerSample)
            for o in n * outputsPerSample..<(n + 1) * outputsPerSample {
                out.base[Int(indices.base[o])] += gradient.base[o]
            }
        }
    }

    /// y[n, c] = mean over positions of x[n, ·, ·, c], summed in position order.
    package static func averageForward(
        x: UnsafePointer<Float>, batch: Int, positions: Int, channels: Int, y: UnsafeMutablePointer<Float>
    ) {
        let scale = 1 / Float(positions)
        for n in 0..<batch {
            let out = y + n * channels
            out.update(repeating: 0, count: channels)
            for p in 0..<positions {
                let row = x + (n * positions + p) * channels
                for c in 0..<channels { out[c] += row[c] }
            }
            for c in 0..<channels { out[c] *= scale }
        }
    }

    /// dx[n, p, c] = dy[n, c] / positions.
    package static func averageBackward(
        dy: UnsafePointer<Float>, batch: Int, positions: Int, channels: Int, dx: UnsafeMutablePointer<Float>
    ) {
        let scale = 1 / Float(positions)
        for n in 0..<batch {
            for p in 0..<positions {
                let row = dx + (n * positions + p) * channels
                for c in 0..<channels { row[c] = dy[n * channels + c] * scale }
            }
        }
    }

    /// y[n, oy, ox, c] = mean over the k×k window at (k·oy, k·ox), summed in window order; odd edges
    /// dropped; one sample per piece.
    package static func windowAverageForward(
        x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int, kernel k: Int,
        y: UnsafeMutablePointer<Float>, parallelism: Parallelism
    ) {
        let (oh, ow) = (height / k, width / k)
        let scale = 1 / Float(k * k)
        let (xs, ys) = (SharedReadPointer(base: x), SharedPointer(base: y))
        parallelism.forEach(batch) { n in
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let out = ys.base + ((n * oh + oy) * ow + ox) * channels
                    out.update(repeating: 0, count: channels)
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let row = xs.base + ((n * height + k * oy + ky) * width + k * ox + kx) * channels
                            for c in 0..<channels { out[c] += row[c] }
                        }
                    }
                    for c in 0..<channels { out[c] *= scale }
                }
            }
        }
    }

    /// dx = dy / k² spread over each window, zero on the dropped edges; one sample per piece.
    package static func windowAverageBackward(
        dy: UnsafePointer<Float>, batch: Int, height: Int, width: Int, channels: Int, kernel k: Int,
        dx: UnsafeMutablePointer<Float>, parallelism: Parallelism
    ) {
        let (oh, ow) = (height / k, width / k)
        let scale = 1 / Float(k * k)
        let (gs, out) = (SharedReadPointer(base: dy), SharedPointer(base: dx))
        parallelism.forEach(batch) { n in
            (out.base + n * height * width * channels).update(repeating: 0, count: height * width * channels)
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let g = gs.base + ((n * oh + oy) * ow + ox) * channels
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let row = out.base + ((n * height + k * oy + ky) * width + k * ox + kx) * channels
                            for c in 0..<channels { row[c] = g[c] * scale }
                        }
                    }
                }
            }
        }
    }
}
