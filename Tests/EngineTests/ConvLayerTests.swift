import Engine
import Testing

/// Each convolutional layer against a Double-precision oracle written as plain loops: the forward pass
/// directly, the backward pass through central differences of the oracle (loss = Σ r·f(x), r random).
@Suite struct ConvLayerTests {
    /// Direct convolution of NHWC x by `[out, in, k, k]` w, zero padding.
    static func convOracle(_ x: [Double], _ w: [Double], _ g: Convolution.Geometry) -> [Double] {
        var y = [Double](repeating: 0, count: g.positions * g.outChannels)
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for o in 0..<g.outChannels {
                        var sum = 0.0
                        for i in 0..<g.inChannels {
                            for ky in 0..<g.kernel {
                                for kx in 0..<g.kernel {
                                    let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                                    guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                                    sum +=
                                        x[((n * g.height + iy) * g.width + ix) * g.inChannels + i]
                                        * w[((o * g.inChannels + i) * g.kernel + ky) * g.kernel + kx]
                                }
                            }
                        }
                        y[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + o] = sum
                    }
                }
            }
        }
        return y
    }

    static let geometries = [
        Convolution.Geometry(batch: 2, height: 5, width: 4, inChannels: 3, outChannels: 4, kernel: 3, padding: 1),
        Convolution.Geometry(batch: 2, height: 5, width: 5, inChannels: 3, outChannels: 2, kernel: 1, stride: 2, padding: 0),
        Convolution.Geometry(batch: 1, height: 4, width: 4, inChannels: 2, outChannels: 3, kernel: 1, padding: 0),
        Convolution.Geometry(batch: 2, height: 6, width: 6, inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1),
        // A first layer on one-channel images: depth 9, and more outputs than a GEMM panel holds rows.
        Convolution.Geometry(batch: 2, height: 5, width: 6, inChannels: 1, outChannels: 11, kernel: 3, padding: 1),
        // 16 input channels (window columns copied a tap at a time) over two weight-gradient pieces of images.
        Convolution.Geometry(batch: 11, height: 3, width: 3, inChannels: 16, outChannels: 3, kernel: 3, padding: 1),
        // Window kernels on a padded image: stride 2 over an odd height (the narrow kernel, 5 outputs), and a
        // border of two for a 5×5 kernel.
        Convolution.Geometry(batch: 2, height: 7, width: 6, inChannels: 8, outChannels: 5, kernel: 3, stride: 2, padding: 1),
        Convolution.Geometry(batch: 1, height: 6, width: 9, inChannels: 8, outChannels: 10, kernel: 5, padding: 2),
    ]

    @Test("convolution forward and both gradients match the direct oracle", arguments: geometries.indices)
    func convolution(_ index: Int) {
        let g = Self.geometries[index]
        let x = Fixtures.matrix(g.batch * g.height * g.width, g.inChannels, seed: 1, purpose: "x")
        let w = Fixtures.matrix(g.outChannels, g.depth, seed: 2, purpose: "w")
        let r = Fixtures.matrix(g.positions, g.outChannels, seed: 3, purpose: "r")
        let workspace = Convolution.Workspace()
        var y = [Float](repeating: 0, count: g.positions * g.outChannels)
        var dx = [Float](repeating: .nan, count: x.count), dw = [Float](repeating: .nan, count: w.count)
        Convolution.forward(x: x, weight: w, bias: nil, geometry: g, y: &y, workspace: workspace, parallelism: .serial)
        Convolution.backward(
            dy: r, x: x, weight: w, geometry: g, dWeight: &dw, dBias: nil, dx: &dx, workspace: workspace, parallelism: .serial)
        let wd = w.map(Double.init)
        #expect(Fixtures.maxScaledError(y, Self.convOracle(x.map(Double.init), wd, g)) < 1e-5)
        Fixtures.expectGradient(dx, at: x, r: r, oracle: { Self.convOracle($0, wd, g) }, "dx")
        let xd = x.map(Double.init)
        Fixtures.expectGradient(dw, at: w, r: r, oracle: { Self.convOracle(xd, $0, g) }, "dW")
    }

    /// The forward kernels read windows from the image, but must sum exactly as the packed GEMM does.
    ///
    /// On the im2col matrix: cached results stay valid across the two, and k is split into several blocks
    /// here (depth 9·40 = 360 > 256), with a partial last column panel (24 outputs) and a partial last
    /// row panel, on 1 and 2 threads. At most eight outputs (8, 5) take the narrow kernel, two row panels
    /// at a time: 5×7 images give 18 panels (tiles of 8, 8 and 2, the last panel partial), 5×6 images 15
    /// (tiles of 8 and 7: a last panel alone). 5×17 images have panels of six windows in one output row,
    /// whose origins `PaddedImage.panel` steps without an `OutputPosition` per window. One and three input
    /// channels (first layers) take the same kernels, a tap's run being a channel or three.
    @Test(
        "convolution forward equals the packed GEMM on the im2col matrix bit for bit",
        arguments: [(1, 16), (3, 24), (40, 24), (40, 8), (12, 5)], [7, 6, 17])
    func forwardMatchesGemm(channels: (inputs: Int, outputs: Int), width: Int) {
        let g = Convolution.Geometry(
            batch: 3, height: 5, width: width, inChannels: channels.inputs, outChannels: channels.outputs, kernel: 3,
            padding: 1)
        let x = Fixtures.matrix(g.batch * g.height * g.width, g.inChannels, seed: 11, purpose: "x")
        let w = Fixtures.matrix(g.outChannels, g.depth, seed: 12, purpose: "w")
        let expected = Gemm.product(
            Self.im2col(x, g), Self.windowMajor(w, g), m: g.positions, n: g.outChannels, k: g.depth, transposeB: true,
            parallelism: .serial)
        for threads in [1, 2] {
            var y = [Float](repeating: .nan, count: expected.count)
            Convolution.forward(
                x: x, weight: w, bias: nil, geometry: g, y: &y, workspace: Convolution.Workspace(),
                parallelism: Parallelism(threads: threads))
            let differing = zip(y, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(differing) of \(y.count) outputs differ on \(threads) threads")
        }
    }

    /// The im2col matrix: row (n, oy, ox), column (ky, kx, c), zero outside the image.
    static func im2col(_ x: [Float], _ g: Convolution.Geometry) -> [Float] {
        var windows = [Float](repeating: 0, count: g.positions * g.depth)
        let taps = g.kernel * g.kernel
        for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    for t in 0..<taps {
                        let iy = oy * g.stride - g.padding + t / g.kernel, ix = ox * g.stride - g.padding + t % g.kernel
                        guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                        for c in 0..<g.inChannels {
                            windows[((n * g.outHeight + oy) * g.outWidth + ox) * g.depth + t * g.inChannels + c] =
                                x[((n * g.height + iy) * g.width + ix) * g.inChannels + c]
                        }
                    }
                }
            }
        }
        return windows
    }

    /// `[out, in, kh, kw]` ↔ `[out, kh, kw, in]`.
    static func windowMajor(_ w: [Float], _ g: Convolution.Geometry, inverse: Bool = false) -> [Float] {
        let taps = g.kernel * g.kernel
        var relaid = [Float](repeating: 0, count: w.count)
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                for t in 0..<taps {
                    let (torch, windows) = ((o * g.inChannels + c) * taps + t, (o * taps + t) * g.inChannels + c)
                    if inverse { relaid[torch] = w[windows] } else { relaid[windows] = w[torch] }
                }
            }
        }
        return relaid
    }

    /// The forward product and the weight gradient's per-piece products, from the im2col matrix.
    static func gemmReference(x: [Float], w: [Float], dy: [Float], _ g: Convolution.Geometry) -> (y: [Float], dw: [Float]) {
        let windows = im2col(x, g), perImage = g.outHeight * g.outWidth
        let y = Gemm.product(
            windows, windowMajor(w, g), m: g.positions, n: g.outChannels, k: g.depth, transposeB: true,
            parallelism: .serial)
        var dw = [Float](repeating: 0, count: w.count)
        for first in stride(from: 0, to: g.batch, by: Convolution.imagesPerGradientPiece) {
            let rows = first * perImage..<min(g.batch, first + Convolution.imagesPerGradientPiece) * perImage
            let part = Gemm.product(
                Array(dy[rows.lowerBound * g.outChannels..<rows.upperBound * g.outChannels]),
                Array(windows[rows.lowerBound * g.depth..<rows.upperBound * g.depth]), m: g.outChannels, n: g.depth,
                k: rows.count, transposeA: true, parallelism: .serial)
            dw = first == 0 ? part : zip(dw, part).map { $0 + $1 }
        }
        return (y, windowMajor(dw, g, inverse: true))
    }

    /// The window kernels read a padded copy of the image (or the image itself, unpadded) for any kernel,
    /// stride and padding, and must still sum as the packed GEMM does: stride 2 over odd sizes (8 outputs:
    /// the narrow kernel), no padding, a 5×5 kernel with a border of two, a 1×1 stride-2 shortcut, and 32
    /// channels (depth 288: two k blocks, the second added to the first's stores).
    @Test(
        "window kernels on strided, unpadded and wide kernels equal the packed GEMM bit for bit",
        arguments: [
            Convolution.Geometry(batch: 9, height: 7, width: 9, inChannels: 8, outChannels: 8, kernel: 3, stride: 2, padding: 1),
            Convolution.Geometry(batch: 3, height: 6, width: 8, inChannels: 16, outChannels: 20, kernel: 3, padding: 0),
            Convolution.Geometry(batch: 2, height: 6, width: 7, inChannels: 8, outChannels: 13, kernel: 5, padding: 2),
            Convolution.Geometry(
                batch: 2, height: 6, width: 7, inChannels: 16, outChannels: 12, kernel: 1, stride: 2, padding: 0),
            Convolution.Geometry(batch: 2, height: 5, width: 6, inChannels: 32, outChannels: 16, kernel: 3, padding: 1),
        ])
    func windowKernelsMatchGemm(_ g: Convolution.Geometry) {
        let x = Fixtures.matrix(g.batch * g.height * g.width, g.inChannels, seed: 31, purpose: "x")
        let w = Fixtures.matrix(g.outChannels, g.depth, seed: 32, purpose: "w")
        let dy = Fixtures.matrix(g.positions, g.outChannels, seed: 33, purpose: "dy")
        let expected = Self.gemmReference(x: x, w: w, dy: dy, g)
        for threads in [1, 2] {
            let workspace = Convolution.Workspace(), parallelism = Parallelism(threads: threads)
            var y = [Float](repeating: .nan, count: expected.y.count), dw = [Float](repeating: .nan, count: w.count)
            Convolution.forward(x: x, weight: w, bias: nil, geometry: g, y: &y, workspace: workspace, parallelism: parallelism)
            Convolution.backward(
                dy: dy, x: x, weight: w, geometry: g, dWeight: &dw, dBias: nil, dx: nil, workspace: workspace,
                parallelism: parallelism)
            #expect(zip(y, expected.y).allSatisfy { $0.bitPattern == $1.bitPattern }, "y on \(threads) threads")
            #expect(zip(dw, expected.dw).allSatisfy { $0.bitPattern == $1.bitPattern }, "dW on \(threads) threads")
        }
    }

    /// The weight gradient reads window columns from the image (8 and 24 channels: a column panel's
    /// halves in one tap or in two; one channel and 16 or 24 outputs: the single-channel kernel, on 16
    /// outputs and on a last 8; 3 channels, or one channel and 13 outputs: packed), but must sum as the
    /// packed GEMM does: per piece of 8
    /// images dyᵀ·windows (280 positions, so two k blocks), pieces added in order; on 1 and 2 threads,
    /// 13 outputs giving a partial last row panel.
    @Test(
        "convolution weight gradient equals per-piece GEMMs on the im2col matrix bit for bit",
        arguments: [(1, 16), (1, 24), (1, 13), (3, 13), (8, 13), (24, 13), (24, 20)])
    func weightGradientMatchesGemm(inChannels: Int, outChannels: Int) {
        let g = Convolution.Geometry(
            batch: 11, height: 5, width: 7, inChannels: inChannels, outChannels: outChannels, kernel: 3, padding: 1)
        let x = Fixtures.matrix(g.batch * g.height * g.width, g.inChannels, seed: 21, purpose: "x")
        let w = Fixtures.matrix(g.outChannels, g.depth, seed: 22, purpose: "w")
        let dy = Fixtures.matrix(g.positions, g.outChannels, seed: 23, purpose: "dy")
        let relaid = Self.gemmReference(x: x, w: w, dy: dy, g).dw
        for threads in [1, 2] {
            var dw = [Float](repeating: .nan, count: w.count)
            Convolution.backward(
                dy: dy, x: x, weight: w, geometry: g, dWeight: &dw, dBias: nil, dx: nil,
                workspace: Convolution.Workspace(), parallelism: Parallelism(threads: threads))
            let differing = zip(dw, relaid).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(differing) of \(dw.count) weight gradients differ on \(threads) threads")
        }
    }

    /// 3 channels: the scalar path only; 11: a group of eight lanes and a scalar tail; a 5×5 image has an
    /// odd last row and column that no max-pool window covers (their gradient is zero).
    @Test("max and average pooling route gradients as their oracles do", arguments: [3, 11], [4, 5])
    func pooling(channels c: Int, height h: Int) {
        let (n, w) = (2, 5)
        let x = Fixtures.matrix(n * h * w, c, seed: 4, purpose: "x")
        let outputs = n * (h / 2) * (w / 2) * c
        let r = Fixtures.matrix(outputs, 1, seed: 5, purpose: "r")
        var y = [Float](repeating: 0, count: outputs), dx = [Float](repeating: .nan, count: x.count)
        var argmax = [Int32](repeating: 0, count: outputs)
        Pooling.maxForward(x: x, batch: n, height: h, width: w, channels: c, y: &y, argmax: &argmax)
        Pooling.maxBackward(
            dy: r, argmax: argmax, batch: n, outputsPerSample: outputs / n, inputsPerSample: x.count / n, dx: &dx,
            parallelism: Parallelism(threads: 2))
        let maxOracle = { (x: [Double]) -> [Double] in
            var y = [Double](repeating: -.infinity, count: outputs)
            for b in 0..<n {
                for oy in 0..<h / 2 {
                    for ox in 0..<w / 2 {
                        for ch in 0..<c {
                            for dy in 0..<2 {
                                for dx in 0..<2 {
                                    let i = ((b * h + 2 * oy + dy) * w + 2 * ox + dx) * c + ch
                                    let o = ((b * (h / 2) + oy) * (w / 2) + ox) * c + ch
                                    y[o] = max(y[o], x[i])
                                }
                            }
                        }
                    }
                }
            }
            return y
        }
        #expect(Fixtures.maxScaledError(y, maxOracle(x.map(Double.init))) == 0)
        Fixtures.expectGradient(dx, at: x, r: r, oracle: maxOracle, "max pool dx")
        var mean = [Float](repeating: 0, count: n * c), dmean = [Float](repeating: .nan, count: x.count)
        let rm = Fixtures.matrix(n, c, seed: 6, purpose: "r")
        Pooling.averageForward(x: x, batch: n, positions: h * w, channels: c, y: &mean)
        Pooling.averageBackward(dy: rm, batch: n, positions: h * w, channels: c, dx: &dmean)
        let averageOracle = { (x: [Double]) -> [Double] in
            (0..<n * c).map { o in (0..<h * w).reduce(0.0) { $0 + x[((o / c) * h * w + $1) * c + o % c] } / Double(h * w) }
        }
        #expect(Fixtures.maxScaledError(mean, averageOracle(x.map(Double.init))) < 1e-6)
        Fixtures.expectGradient(dmean, at: x, r: rm, oracle: averageOracle, "average dx")
    }

    /// Ties go to the first maximum in window order and a NaN wins, in the 8-lane and the scalar paths alike.
    @Test("max pooling breaks ties by window order and lets a NaN through", arguments: [1, 9])
    func maxPoolingTiesAndNaN(channels c: Int) {
        // One 2x2 window per image; image 0 all equal, image 1 a NaN at the third position.
        var x = [Float](repeating: 2, count: 2 * 4 * c)
        for ch in 0..<c { x[(4 + 2) * c + ch] = .nan }
        var y = [Float](repeating: 0, count: 2 * c), argmax = [Int32](repeating: -1, count: 2 * c)
        Pooling.maxForward(x: x, batch: 2, height: 2, width: 2, channels: c, y: &y, argmax: &argmax)
        #expect(argmax[0..<c] == ArraySlice((0..<c).map(Int32.init)))
        #expect(y[0..<c].allSatisfy { $0 == 2 })
        #expect(argmax[c...] == ArraySlice((0..<c).map { Int32((4 + 2) * c + $0) }))
        #expect(y[c...].allSatisfy { $0.isNaN })
    }
}
