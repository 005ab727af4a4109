/// 2-D convolution as an implicit GEMM, forward and backward.
///
/// The GEMM's operands are read from the image, or a copy of it inside a border of zeros
/// (`PaddedImage`): the im2col matrix is never built.
/// Activations are NHWC (`[batch, height, width, channels]`, channels contiguous), so the GEMM's output
/// is already the next layer's input; weights stay in PyTorch's `[out, in, kh, kw]` and are re-laid out
/// to `[out, kh, kw, in]` and packed for each call (a small copy next to the product), or once by a caller
/// that makes several (`packWeights`). Every output element has
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

    /// Scratch memory for convolutions: re-laid-out and flipped weights, window gradients (strided dx),
    /// the padded image, weight-gradient partials and GEMM packing.
    package final class Workspace {
        let weights = ScratchBuffer()
        let flippedWeights = ScratchBuffer()
        let windowGradients = ScratchBuffer()
        let padded = ScratchBuffer()
        let gradientPartials = ScratchBuffer()
        let gemm = GemmWorkspace()
        private var pieces: [GemmWorkspace] = []

        package init() {}

        /// One GEMM workspace per weight-gradient piece, each used by that piece only.
        func pieceWorkspaces(_ count: Int) -> PieceWorkspaces {
            while pieces.count < count { pieces.append(GemmWorkspace()) }
            return PieceWorkspaces(items: pieces)
        }
    }

    /// Workspaces handed to concurrent pieces: piece i uses `items[i]` and nothing else.
    struct PieceWorkspaces: @unchecked Sendable {
        let items: [GemmWorkspace]
        subscript(_ i: Int) -> GemmWorkspace { items[i] }
    }

    /// y = conv(x, W) (+ b per output channel).
    ///
    /// A pointwise convolution is a plain GEMM on the image. Otherwise `WindowMicroKernel` reads each
    /// block's six windows from the padded image (no im2col matrix, no packing of A), against the
    /// weights packed as a GEMM's B; sums are split and ordered exactly as `Gemm.multiply` splits them.
    ///
    /// - Parameter packedWeights: the weights as `packWeights` leaves them, when the caller packed them
    ///   once for several calls; nil: packed here. A pointwise convolution (a GEMM) does not read them.
    package static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, geometry g: Geometry,
        y: UnsafeMutablePointer<Float>, packedWeights: UnsafePointer<Float>? = nil, workspace: Workspace,
        parallelism: Parallelism
    ) {
        let epilogue: Gemm.Epilogue = bias.map { .bias($0) } ?? .none
        if g.isPointwise {
            let w = workspace.weights.pointer(count: g.outChannels * g.depth)
            windowMajor(weight, g, into: w)
            Gemm.multiply(
                m: g.positions, n: g.outChannels, k: g.depth, a: .init(base: x, ld: g.depth, transposed: false),
                b: .init(base: w, ld: g.depth, transposed: true), c: y, ldc: g.outChannels, epilogue: epilogue,
                workspace: workspace.gemm, parallelism: parallelism)
            return
        }
        let image = PaddedImage(x, g, buffer: workspace.padded, parallelism: parallelism)
        let mr = MicroKernel.mr, n = g.outChannels
        let mPanels = (g.positions + mr - 1) / mr
        let packed = given(packedWeights, count: packedWeightCount(g), workspace: workspace) {
            packWeights(weight, g, into: $0, workspace: workspace)
        }
        let (b, out) = (SharedReadPointer(base: packed), SharedPointer(base: y))
        let biases = bias.map { SharedReadPointer(base: $0) }
        let work = g.positions.multipliedReportingOverflow(by: n * g.depth).partialValue
        let lanes = work >= Gemm.parallelThreshold ? parallelism : .serial
        let tiles = (mPanels + Gemm.rowPanelsPerTile - 1) / Gemm.rowPanelsPerTile
        let taps = g.kernel * g.kernel
        lanes.forEach(tiles) { tile in
            let panels = tile * Gemm.rowPanelsPerTile..<min(mPanels, (tile + 1) * Gemm.rowPanelsPerTile)
            var position = OutputPosition(panels.lowerBound * mr, in: g)
            var panel = panels.lowerBound
            withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { buffer in
                guard let offsets = buffer.baseAddress else { return }
                image.tapOffsets(kernel: g.kernel, into: offsets)
                while panel < panels.upperBound {
                    let rows = image.panel(from: &position, count: g.positions - panel * mr, outWidth: g.outWidth)
                    // At most eight outputs: two panels at a time, so that no accumulator holds padding.
                    if n <= 8 && panel + 1 < panels.upperBound {
                        let next = image.panel(from: &position, count: g.positions - (panel + 1) * mr, outWidth: g.outWidth)
                        narrowPanels(
                            (rows, next), taps: offsets, g, panel: panel, packedB: b.base, y: out.base, bias: biases?.base)
                        panel += 2
                    } else {
                        windowPanel(rows, taps: offsets, g, panel: panel, packedB: b.base, y: out.base, bias: biases?.base)
                        panel += 1
                    }
                }
            }
        }
    }

    /// `packed` when the caller gave it, else `count` floats of the workspace that `pack` fills.
    private static func given(
        _ packed: UnsafePointer<Float>?, count: Int, workspace: Workspace, pack: (UnsafeMutablePointer<Float>) -> Void
    ) -> UnsafePointer<Float> {
        if let packed { return packed }
        let buffer = workspace.gemm.buffers(aCount: 0, bCount: count).b
        pack(buffer)
        return UnsafePointer(buffer)
    }

    /// Floats of a layer's packed weights (`packWeights`).
    package static func packedWeightCount(_ g: Geometry) -> Int {
        (g.outChannels + MicroKernel.nr - 1) / MicroKernel.nr * MicroKernel.nr * g.depth
    }

    /// The weights as the window kernels read them: window-major `[out, (ky, kx, c)]`, packed as a GEMM's B
    /// panels (`packedWeightCount(g)` floats at `packed`).
    package static func packWeights(
        _ weight: UnsafePointer<Float>, _ g: Geometry, into packed: UnsafeMutablePointer<Float>, workspace: Workspace
    ) {
        let nr = MicroKernel.nr, k = g.depth, n = g.outChannels
        let w = workspace.weights.pointer(count: n * k)
        windowMajor(weight, g, into: w)
        let weights = Gemm.Operand(base: w, ld: k, transposed: true)
        for panel in 0..<(n + nr - 1) / nr { Gemm.packPanelB(weights, panel: panel, n: n, k: k, into: packed + panel * nr * k) }
    }

    /// The convolution whose forward pass is this one's dx, when there is one: a same-size convolution's dx
    /// is the convolution of dy with the kernel flipped and its channel axes swapped.
    package static func inputGradientConvolution(_ g: Geometry) -> Geometry? {
        guard g.stride == 1 && 2 * g.padding == g.kernel - 1 && !g.isPointwise else { return nil }
        var transposed = g
        (transposed.inChannels, transposed.outChannels) = (g.outChannels, g.inChannels)
        transposed.padding = g.kernel - 1 - g.padding
        return transposed
    }

    /// `packWeights` of that convolution's (flipped) weights, for `backward`'s `packedInputGradientWeights`.
    package static func packInputGradientWeights(
        _ weight: UnsafePointer<Float>, _ g: Geometry, into packed: UnsafeMutablePointer<Float>, workspace: Workspace
    ) {
        guard let transposed = inputGradientConvolution(g) else { return }
        let flipped = workspace.flippedWeights.pointer(count: g.outChannels * g.depth)
        flip(weight, g, into: flipped)
        packWeights(flipped, transposed, into: packed, workspace: workspace)
    }

    /// `windowPanel` for panels `panel` and `panel + 1` of a layer with at most eight outputs.
    ///
    /// Through `WindowMicroKernel.accumulateNarrow`: the same sums, stores and bias. `origins` holds both
    /// panels' window origins.
    private static func narrowPanels(
        _ origins: (WindowMicroKernel.Rows, WindowMicroKernel.Rows), taps: UnsafePointer<Int>, _ g: Geometry,
        panel: Int, packedB: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?
    ) {
        let mr = MicroKernel.mr, nr = MicroKernel.nr, k = g.depth, n = g.outChannels
        let rows = (min(mr, g.positions - panel * mr), min(mr, g.positions - (panel + 1) * mr))
        let blockSize = Gemm.kBlockSize(k)
        let target = y + panel * mr * n
        var pc = 0
        while pc < k {
            let kc = min(blockSize, k - pc)
            var acc = (WindowMicroKernel.Accumulators(), WindowMicroKernel.Accumulators())
            WindowMicroKernel.accumulateNarrow(
                origins.0, origins.1, taps: taps, channels: g.inChannels, depth: pc..<pc + kc, b: packedB + pc * nr,
                into: &acc)
            acc.0.store(to: target, ldc: n, rows: rows.0, cols: n, accumulate: pc > 0)
            acc.1.store(to: target + mr * n, ldc: n, rows: rows.1, cols: n, accumulate: pc > 0)
            pc += kc
        }
        if let bias { addBias(bias, to: target, rows: rows.0 + rows.1, columns: n) }
    }

    /// Rows `panel*6 ..< panel*6 + 6` of y, every column panel, through `WindowMicroKernel` reading the
    /// panel's windows from `origins`, with the k blocks of `Gemm`; then the bias, as `Gemm`'s epilogue adds it.
    private static func windowPanel(
        _ origins: WindowMicroKernel.Rows, taps: UnsafePointer<Int>, _ g: Geometry, panel: Int,
        packedB: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?
    ) {
        let mr = MicroKernel.mr, nr = MicroKernel.nr, k = g.depth, c = g.inChannels, n = g.outChannels
        let rows = min(mr, g.positions - panel * mr)
        let blockSize = Gemm.kBlockSize(k)
        let target = y + panel * mr * n
        for jp in 0..<(n + nr - 1) / nr {
            let bPanel = packedB + jp * nr * k, cols = min(nr, n - jp * nr)
            var pc = 0
            while pc < k {
                let kc = min(blockSize, k - pc)
                if rows == mr && cols == nr {
                    WindowMicroKernel.storeBlock(
                        origins, taps: taps, channels: c, depth: pc..<pc + kc, b: bPanel + pc * nr, to: target + jp * nr,
                        ldc: n, adding: pc > 0)
                } else {
                    var acc = WindowMicroKernel.Accumulators()
                    WindowMicroKernel.accumulate(
                        origins, taps: taps, channels: c, depth: pc..<pc + kc, b: bPanel + pc * nr, into: &acc)
                    acc.store(to: target + jp * nr, ldc: n, rows: rows, cols: cols, accumulate: pc > 0)
                }
                pc += kc
            }
        }
        if let bias { addBias(bias, to: target, rows: rows, columns: n) }
    }

    /// Adds `bias[j]` to column j of `rows` rows of y (row stride `columns`), as `Gemm`'s epilogue adds it.
    private static func addBias(_ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = y + r * columns
            for j in 0..<columns { row[j] += bias[j] }
        }
    }

    /// Gradients given dL/dy: dW (PyTorch layout), db and dx (overwritten), each when given.
    ///
    /// - Parameter pieces: where the weight gradient's partials go, one per piece of images (see
    ///   `weightGradientPieces`); nil: scratch. A chunked training step gives its own and sums them later.
    /// - Parameter packedInputGradientWeights: `packInputGradientWeights`' result, when the caller packed
    ///   it once for several calls; nil: packed here.
    package static func backward(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, geometry g: Geometry,
        dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?, dx: UnsafeMutablePointer<Float>?,
        pieces: UnsafeMutablePointer<Float>? = nil, packedInputGradientWeights: UnsafePointer<Float>? = nil,
        workspace: Workspace, parallelism: Parallelism
    ) {
        let count = gradientPieces(g.batch)
        let partials = pieces ?? workspace.gradientPartials.pointer(count: count * g.outChannels * g.depth)
        weightGradientPieces(dy: dy, x: x, g, into: partials, workspace: workspace, parallelism: parallelism)
        if let dWeight {
            weightGradient(summing: partials, pieces: count, g, into: dWeight, workspace: workspace, parallelism: parallelism)
        }
        if let dBias { Dense.biasGradient(dy: dy, rows: g.positions, columns: g.outChannels, into: dBias) }
        if let dx {
            inputGradient(
                dy: dy, weight: weight, g, into: dx, packed: packedInputGradientWeights, workspace: workspace,
                parallelism: parallelism)
        }
    }

    /// dx (overwritten) given dL/dy.
    private static func inputGradient(
        dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, _ g: Geometry, into dx: UnsafeMutablePointer<Float>,
        packed: UnsafePointer<Float>?, workspace: Workspace, parallelism: Parallelism
    ) {
        if let transposed = inputGradientConvolution(g) {
            // No window matrix, no scatter; `weight` is unread, the packed flipped weights standing for it.
            let weights = given(packed, count: packedWeightCount(transposed), workspace: workspace) {
                packInputGradientWeights(weight, g, into: $0, workspace: workspace)
            }
            forward(
                x: dy, weight: weight, bias: nil, geometry: transposed, y: dx, packedWeights: weights,
                workspace: workspace, parallelism: parallelism)
            return
        }
        let w = workspace.weights.pointer(count: g.outChannels * g.depth)
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
    package static let imagesPerGradientPiece = 8

    /// How many weight-gradient pieces `images` images make.
    static func gradientPieces(_ images: Int) -> Int {
        (images + imagesPerGradientPiece - 1) / imagesPerGradientPiece
    }

    /// The weight-gradient partial of each piece of `g.batch` images (the pieces counted from the first
    /// image), in window-major layout `[out, (ky, kx, c)]`, one after another at `partials`:
    /// partial[out, (ky, kx, c)] = Σ over the piece's positions dy[position, out] · window[position, (ky, kx, c)].
    private static func weightGradientPieces(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, _ g: Geometry, into partials: UnsafeMutablePointer<Float>,
        workspace: Workspace, parallelism: Parallelism
    ) {
        let pieces = gradientPieces(g.batch)
        let size = g.outChannels * g.depth
        let out = SharedPointer(base: partials)
        let gemms = workspace.pieceWorkspaces(pieces)
        let gathers = gathersWindowColumns(g)
        let padded = gathers ? PaddedImage(x, g, buffer: workspace.padded, parallelism: parallelism) : nil
        let (image, gradient) = (SharedReadPointer(base: x), SharedReadPointer(base: dy))
        parallelism.forEach(pieces) { piece in
            let first = piece * imagesPerGradientPiece
            let part = Geometry(
                batch: min(imagesPerGradientPiece, g.batch - first), height: g.height, width: g.width,
                inChannels: g.inChannels, outChannels: g.outChannels, kernel: g.kernel, stride: g.stride,
                padding: g.padding)
            let dy = gradient.base + first * g.outHeight * g.outWidth * g.outChannels
            // One product per k block, adding into the partial: the same sums as one GEMM over all of the
            // piece's positions (which also adds block by block), but each block's window columns are
            // read just before use and stay in cache.
            let k = part.positions, blockSize = Gemm.kBlockSize(k)
            for start in stride(from: 0, to: k, by: blockSize) {
                let positions = start..<min(k, start + blockSize)
                let a = Gemm.Operand(base: dy + start * g.outChannels, ld: g.outChannels, transposed: true)
                let c = out.base + piece * size
                if let padded {
                    gatheredProduct(
                        a, padded.dropping(first), part, positions: positions, into: c, accumulate: start > 0,
                        workspace: gemms[piece])
                    continue
                }
                Gemm.multiply(
                    m: g.outChannels, n: g.depth, k: positions.count,
                    packA: { Gemm.packPanelA(a, panel: $0, m: part.outChannels, k: positions.count, into: $1) },
                    packB: {
                        packWindowColumns(
                            image.base + first * g.height * g.width * g.inChannels, part, positions: positions,
                            panel: $0, into: $1)
                    },
                    c: c, ldc: g.depth, accumulate: start > 0, workspace: gemms[piece], parallelism: .serial)
            }
        }
    }

    /// dW (PyTorch layout) from `pieces` partials of `weightGradientPieces`: added in piece order for
    /// every element, in parallel over fixed chunks of elements.
    static func weightGradient(
        summing partials: UnsafePointer<Float>, pieces: Int, _ g: Geometry, into dWeight: UnsafeMutablePointer<Float>,
        workspace: Workspace, parallelism: Parallelism
    ) {
        let size = g.outChannels * g.depth
        let w = workspace.weights.pointer(count: size)
        let (sums, parts) = (SharedPointer(base: w), SharedReadPointer(base: partials))
        let chunk = 4096
        parallelism.forEach((size + chunk - 1) / chunk) { part in
            let elements = part * chunk..<min(size, (part + 1) * chunk)
            (sums.base + elements.lowerBound).update(from: parts.base + elements.lowerBound, count: elements.count)
            for piece in 1..<max(pieces, 1) {
                let partial = parts.base + piece * size
                for i in elements { sums.base[i] += partial[i] }
            }
        }
        channelMajor(w, g, into: dWeight)
    }

    /// Whether `gatheredProduct` computes this layer's weight gradient: channels a multiple of 8 (each
    /// half of a column panel is 8 channels of one tap), or one channel, nine taps and outputs a multiple
    /// of 8 (a first layer on grey images).
    static func gathersWindowColumns(_ g: Geometry) -> Bool {
        g.inChannels % 8 == 0 || (g.inChannels == 1 && g.kernel == 3 && g.outChannels % 8 == 0)
    }

    /// C (+)= dyᵀ·windows over `positions` (at most one k block), reading the window columns from the
    /// padded image at fixed offsets from each position's window origin: bitwise what `Gemm.multiply`
    /// with `packWindowColumns` computes (see `WindowColumnKernel`), without packing B.
    private static func gatheredProduct(
        _ a: Gemm.Operand, _ image: PaddedImage, _ g: Geometry, positions: Range<Int>,
        into c: UnsafeMutablePointer<Float>, accumulate: Bool, workspace: GemmWorkspace
    ) {
        let kc = positions.count, taps = g.kernel * g.kernel
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: kc) { buffer in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { offsetBuffer in
                guard let origins = buffer.baseAddress, let offsets = offsetBuffer.baseAddress else { return }
                image.tapOffsets(kernel: g.kernel, into: offsets)
                var position = OutputPosition(positions.lowerBound, in: g)
                for p in 0..<kc {
                    (origins + p).initialize(to: image.origin(position))
                    position.advance()
                }
                if g.inChannels == 1 {
                    let offsetTable = UnsafeBufferPointer(start: offsets, count: taps)
                    for first in stride(from: 0, to: g.outChannels, by: 16) {
                        let outputs = min(16, g.outChannels - first)
                        for tap in stride(from: 0, to: taps, by: 5) {
                            WindowColumnKernel.singleChannel(
                                dy: a.base + first, ldy: a.ld, outputs: outputs, origins: origins, taps: offsetTable,
                                tapRange: tap..<min(tap + 5, taps), count: kc, into: c + first * taps,
                                accumulate: accumulate)
                        }
                    }
                } else {
                    halvesProduct(
                        a, g, origins: origins, taps: offsets, count: kc, into: c, accumulate: accumulate,
                        workspace: workspace)
                }
            }
        }
    }

    /// `gatheredProduct` for channels a multiple of 8: each 6×16 block of C from `WindowColumnKernel.block`,
    /// reading dy packed as GEMM A panels (six outputs per position, zero-padded past the last).
    private static func halvesProduct(
        _ a: Gemm.Operand, _ g: Geometry, origins: UnsafePointer<UnsafePointer<Float>>, taps: UnsafePointer<Int>,
        count kc: Int, into c: UnsafeMutablePointer<Float>, accumulate: Bool, workspace: GemmWorkspace
    ) {
        let mr = MicroKernel.mr, nr = MicroKernel.nr
        let m = g.outChannels, n = g.depth, channels = g.inChannels
        let mPanels = (m + mr - 1) / mr
        // dy's panels packed, as a GEMM packs A: each block then reads its six outputs' dy sequentially
        // instead of one strided row of dy per position.
        let packed = workspace.buffers(aCount: mPanels * mr * kc, bCount: 0).a
        for ip in 0..<mPanels { Gemm.packPanelA(a, panel: ip, m: m, k: kc, into: packed + ip * mr * kc) }
        for ip in 0..<mPanels {
            let panel = packed + ip * mr * kc, rows = min(mr, m - ip * mr)
            for jp in 0..<(n + nr - 1) / nr {
                // Each half is 8 channels of one tap; a half past the last column repeats the first (its
                // columns are not stored).
                let low = jp * nr, high = min(low + 8, n - 8)
                let acc = WindowColumnKernel.block(
                    panel, stride: mr, origins: origins, low: taps[low / channels] + low % channels,
                    high: taps[high / channels] + high % channels, count: kc)
                let cols = min(nr, n - low), target = c + ip * mr * n + low
                if rows == mr && cols == nr {
                    acc.storeFull(to: target, ldc: n, accumulate: accumulate)
                } else {
                    acc.store(to: target, ldc: n, rows: rows, cols: cols, accumulate: accumulate)
                }
            }
        }
    }

    /// Packs GEMM B panel `panel` of the im2col matrix (k: output positions; columns: (ky, kx, c)) over
    /// `positions`, directly from the image, zero outside it and past the last column (for the layers
    /// `gatheredProduct` does not take).
    static func packWindowColumns(
        _ x: UnsafePointer<Float>, _ g: Geometry, positions: Range<Int>, panel: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let nr = MicroKernel.nr, c = g.inChannels, j0 = panel * nr
        var position = OutputPosition(positions.lowerBound, in: g)
        // The panel's columns are runs of consecutive channels, one run per tap it touches.
        var runs: [(ky: Int, kx: Int, channel: Int, column: Int, length: Int)] = []
        var j = 0
        while j < nr && j0 + j < g.depth {
            let d = j0 + j, tap = d / c, channel = d % c
            let length = min(c - channel, nr - j, g.depth - d)
            runs.append((tap / g.kernel, tap % g.kernel, channel, j, length))
            j += length
        }
        for p in positions {
            let out = dst + (p - positions.lowerBound) * nr
            let (top, left) = position.windowOrigin, n = position.image
            out.update(repeating: 0, count: nr)
            for run in runs {
                let iy = top + run.ky, ix = left + run.kx
                guard iy >= 0 && iy < g.height && ix >= 0 && ix < g.width else { continue }
                (out + run.column).update(from: x + ((n * g.height + iy) * g.width + ix) * c + run.channel, count: run.length)
            }
            position.advance()
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

    /// dx = Σ over window gradients (rows of the im2col matrix), one image per piece, windows in
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
