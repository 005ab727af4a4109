/// 2-D convolution as an implicit GEMM, forward and backward.
///
/// The GEMM's operand panels are packed straight from the image (the im2col matrix is never built).
/// Activations are NHWC (`[batch, height, width, channels]`, channels contiguous), so the GEMM's output
/// is already the next layer's input; weights stay in PyTorch's `[out, in, kh, kw]` and are re-laid out
/// to `[out, kh, kw, in]` for each call (a small copy next to the product). Every output element has
/// one writer and every sum a fixed order (the weight gradient's in fixed pieces of images), so results
/// do not depend on the thread count.
package enum Convolution {
    /// Sizes of one convolution over a batch.
    package struct Geometry: Sendable, Hashable {
        package var batch: Int
        package var height: Int
        package var width: Int
        package var inChannels: Int
        package var outChannels: Int
        package var kernel: Int
        package var stride: Int
        package var padding: Int

        package init(
            batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
            padding: Int
        ) {
            self.batch = batch
            self.height = height
            self.width = width
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
        }

        package var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
        package var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
        /// GEMM rows: one per output position.
        package var positions: Int { batch * outHeight * outWidth }
        /// GEMM depth: one per (ky, kx, c) of a window.
        package var depth: Int { kernel * kernel * inChannels }
        /// Whether the windows are the input itself (a 1×1, stride-1, unpadded convolution).
        var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    }

    /// Scratch memory for convolutions: windows, re-laid-out weights, window gradients, GEMM packing.
    package final class Workspace {
        let weights = ScratchBuffer()
        let windowGradients = ScratchBuffer()
        let flippedWeights = ScratchBuffer()
        let gradientPartials = ScratchBuffer()
        private var pieces: [GemmWorkspace] = []

        /// One GEMM workspace per weight-gradient piece, each used by that piece only.
        func pieceWorkspaces(_ count: Int) -> PieceWorkspaces {
            while pieces.count < count { pieces.append(GemmWorkspace()) }
            return PieceWorkspaces(items: pieces)
        }
        let gemm = GemmWorkspace()

        package init() {}
    }

    /// Workspaces handed to concurrent pieces: piece i uses `items[i]` and nothing else.
    struct PieceWorkspaces: @unchecked Sendable {
        let items: [GemmWorkspace]
        subscript(_ i: Int) -> GemmWorkspace { items[i] }
    }

    /// y = conv(x, W) (+ b per output channel).
    ///
    /// The GEMM's A panels (six output positions' windows) are packed straight from the image: the im2col
    /// matrix is never built.
    package static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: Geometry,
        y: UnsafeMutablePointer<Float>, workspace: Workspace, parallelism: Parallelism
    ) {
        let w = workspace.weights.pointer(count: g.outChannels * g.depth)
        windowMajor(weight, g, into: w)
        let weights = Gemm.Operand(base: w, ld: g.depth, transposed: true)
        let image = SharedReadPointer(base: x)
        let packA: Gemm.PanelPacker
        if g.isPointwise {
            let input = Gemm.Operand(base: x, ld: g.depth, transposed: false)
            packA = { panel, dst in Gemm.packPanelA(input, panel: panel, m: g.positions, k: g.depth, into: dst) }
        } else {
            packA = { panel, dst in packWindows(image.base, g, panel: panel, into: dst) }
        }
        Gemm.multiply(
            m: g.positions, n: g.outChannels, k: g.depth, packA: packA,
            packB: { Gemm.packPanelB(weights, panel: $0, n: g.outChannels, k: g.depth, into: $1) },
            c: y, ldc: g.outChannels, epilogue: bias.map { .bias($0) } ?? .none, workspace: workspace.gemm,
            parallelism: parallelism)
    }

    /// Gradients given dL/dy: dW (PyTorch layout), db (when given) and dx (when given; overwritten).
    package static func backward(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, geometry g: Geometry,
        dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?,
        workspace: Workspace, parallelism: Parallelism
    ) {
        let w = workspace.weights.pointer(count: g.outChannels * g.depth)
        weightGradient(dy: dy, x: x, g, into: w, workspace: workspace, parallelism: parallelism)
        channelMajor(w, g, into: dWeight)
        if let dBias {
            for o in 0..<g.outChannels { dBias[o] = 0 }
            for r in 0..<g.positions {
                let row = dy + r * g.outChannels
                for o in 0..<g.outChannels { dBias[o] += row[o] }
            }
        }
        guard let dx else { return }
        if g.stride == 1 && 2 * g.padding == g.kernel - 1 && !g.isPointwise {
            // A same-size convolution's dx is itself a convolution: of dy, with the kernel flipped and its
            // channel axes swapped. No window matrix, no scatter.
            let flipped = workspace.flippedWeights.pointer(count: g.outChannels * g.depth)
            flip(weight, g, into: flipped)
            var transposed = g
            (transposed.inChannels, transposed.outChannels) = (g.outChannels, g.inChannels)
            transposed.padding = g.kernel - 1 - g.padding
            forward(
                x: dy, weight: flipped, bias: nil, geometry: transposed, y: dx, workspace: workspace,
                parallelism: parallelism)
            return
        }
        windowMajor(weight, g, into: w)
        let target = g.isPointwise ? dx : workspace.windowGradients.pointer(count: g.positions * g.depth)
        Gemm.multiply(
            m: g.positions, n: g.depth, k: g.outChannels,
            a: .init(base: dy, ld: g.outChannels, transposed: false),
            b: .init(base: w, ld: g.depth, transposed: false),
            c: target, ldc: g.depth, workspace: workspace.gemm, parallelism: parallelism)
        if !g.isPointwise { scatterWindows(UnsafePointer(target), g, into: dx, parallelism: parallelism) }
    }

    /// Images per piece of the weight gradient: the sum over positions is split at these fixed bounds,
    /// each piece's partial computed on one thread, and the partials added in order.
    static let imagesPerGradientPiece = 8

    /// dW[out, (ky, kx, c)] = Σ over positions dy[position, out] · window[position, (ky, kx, c)].
    private static func weightGradient(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, _ g: Geometry, into w: UnsafeMutablePointer<Float>,
        workspace: Workspace, parallelism: Parallelism
    ) {
        let pieces = (g.batch + imagesPerGradientPiece - 1) / imagesPerGradientPiece
        let size = g.outChannels * g.depth
        let partials = SharedPointer(base: workspace.gradientPartials.pointer(count: pieces * size))
        let gemms = workspace.pieceWorkspaces(pieces)
        let (image, gradient) = (SharedReadPointer(base: x), SharedReadPointer(base: dy))
        parallelism.forEach(pieces) { piece in
            let first = piece * imagesPerGradientPiece
            let part = Geometry(
                batch: min(imagesPerGradientPiece, g.batch - first), height: g.height, width: g.width,
                inChannels: g.inChannels, outChannels: g.outChannels, kernel: g.kernel, stride: g.stride,
                padding: g.padding)
            let x = SharedReadPointer(base: image.base + first * g.height * g.width * g.inChannels)
            let dy = Gemm.Operand(
                base: gradient.base + first * g.outHeight * g.outWidth * g.outChannels, ld: g.outChannels,
                transposed: true)
            Gemm.multiply(
                m: g.outChannels, n: g.depth, k: part.positions,
                packA: { Gemm.packPanelA(dy, panel: $0, m: part.outChannels, k: part.positions, into: $1) },
                packB: { packWindowColumns(x.base, part, panel: $0, into: $1) }, c: partials.base + piece * size,
                ldc: g.depth, workspace: gemms[piece], parallelism: .serial)
        }
        w.update(from: partials.base, count: size)
        for piece in 1..<max(pieces, 1) {
            let part = partials.base + piece * size
            for i in 0..<size { w[i] += part[i] }
        }
    }

    /// Packs GEMM B panel `panel` of the im2col matrix (k: output positions; columns: (ky, kx, c))
    /// directly from the image, zero outside it and past the last column.
    static func packWindowColumns(
        _ x: UnsafePointer<Float>, _ g: Geometry, panel: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let nr = MicroKernel.nr, c = g.inChannels, j0 = panel * nr
        let perImage = g.outHeight * g.outWidth
        if c % nr == 0 {
            // The panel's columns are nr consecutive channels of one tap: one contiguous copy per position.
            let tap = j0 / c, channel = j0 % c, ky = tap / g.kernel, kx = tap % g.kernel
            for p in 0..<g.positions {
                let n = p / perImage, oy = p % perImage / g.outWidth, ox = p % g.outWidth
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                let out = UnsafeMutableRawPointer(dst + p * nr)
                if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                    let source = UnsafeRawPointer(x + ((n * g.height + iy) * g.width + ix) * c + channel)
                    out.storeBytes(of: source.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                } else {
                    out.storeBytes(of: SIMD16<Float>(), as: SIMD16<Float>.self)
                }
            }
            return
        }
        let columns = min(nr, g.depth - j0)
        for p in 0..<g.positions {
            let n = p / perImage, oy = p % perImage / g.outWidth, ox = p % g.outWidth
            let out = dst + p * nr
            for j in 0..<nr {
                guard j < columns else {
                    out[j] = 0
                    continue
                }
                let d = j0 + j, tap = d / c
                let iy = oy * g.stride - g.padding + tap / g.kernel, ix = ox * g.stride - g.padding + tap % g.kernel
                let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                out[j] = inside ? x[((n * g.height + iy) * g.width + ix) * c + d % c] : 0
            }
        }
    }

    /// Packs GEMM A panel `panel` of the im2col matrix (rows: output positions; columns: (ky, kx, c))
    /// directly from the image, zero outside it and past the last position.
    static func packWindows(_ x: UnsafePointer<Float>, _ g: Geometry, panel: Int, into dst: UnsafeMutablePointer<Float>) {
        let mr = MicroKernel.mr, c = g.inChannels
        let perImage = g.outHeight * g.outWidth
        for r in 0..<mr {
            let row = panel * mr + r
            guard row < g.positions else {
                for p in 0..<g.depth { dst[p * mr + r] = 0 }
                continue
            }
            let n = row / perImage, oy = row % perImage / g.outWidth, ox = row % g.outWidth
            var out = dst + r
            for ky in 0..<g.kernel {
                let iy = oy * g.stride - g.padding + ky
                for kx in 0..<g.kernel {
                    let ix = ox * g.stride - g.padding + kx
                    if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                        let source = x + ((n * g.height + iy) * g.width + ix) * c
                        for ch in 0..<c { out[ch * mr] = source[ch] }
                    } else {
                        for ch in 0..<c { out[ch * mr] = 0 }
                    }
                    out += c * mr
                }
            }
        }
    }

    /// W'[c, o, ky, kx] = W[o, c, K−1−ky, K−1−kx] (both in PyTorch's layout).
    static func flip(_ weight: UnsafePointer<Float>, _ g: Geometry, into flipped: UnsafeMutablePointer<Float>) {
        let k = g.kernel, taps = k * k
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                for t in 0..<taps {
                    flipped[(c * g.outChannels + o) * taps + (taps - 1 - t)] = weight[(o * g.inChannels + c) * taps + t]
                }
            }
        }
    }

    /// dx = Σ over window gradients (rows as `packWindows` reads them), one image per piece, windows in
    /// row order.
    static func scatterWindows(
        _ windows: UnsafePointer<Float>, _ g: Geometry, into dx: UnsafeMutablePointer<Float>, parallelism: Parallelism
    ) {
        let out = SharedPointer(base: dx)
        let source = SharedReadPointer(base: windows)
        parallelism.forEach(g.batch) { n in
            let c = g.inChannels
            let image = out.base + n * g.height * g.width * c
            image.update(repeating: 0, count: g.height * g.width * c)
            for oy in 0..<g.outHeight {
                for ox in 0..<g.outWidth {
                    var row = source.base + ((n * g.outHeight + oy) * g.outWidth + ox) * g.depth
                    for ky in 0..<g.kernel {
                        let iy = oy * g.stride - g.padding + ky
                        for kx in 0..<g.kernel {
                            let ix = ox * g.stride - g.padding + kx
                            if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                                let target = image + (iy * g.width + ix) * c
                                for ch in 0..<c { target[ch] += row[ch] }
                            }
                            row += c
                        }
                    }
                }
            }
        }
    }

    /// `[out, in, kh, kw]` → `[out, kh, kw, in]`.
    static func windowMajor(_ weight: UnsafePointer<Float>, _ g: Geometry, into w: UnsafeMutablePointer<Float>) {
        let taps = g.kernel * g.kernel
        for o in 0..<g.outChannels {
            for i in 0..<g.inChannels {
                for t in 0..<taps { w[(o * taps + t) * g.inChannels + i] = weight[(o * g.inChannels + i) * taps + t] }
            }
        }
    }

    /// `[out, kh, kw, in]` → `[out, in, kh, kw]`.
    static func channelMajor(_ w: UnsafePointer<Float>, _ g: Geometry, into weight: UnsafeMutablePointer<Float>) {
        let taps = g.kernel * g.kernel
        for o in 0..<g.outChannels {
            for i in 0..<g.inChannels {
                for t in 0..<taps { weight[(o * g.inChannels + i) * taps + t] = w[(o * taps + t) * g.inChannels + i] }
            }
        }
    }
}
