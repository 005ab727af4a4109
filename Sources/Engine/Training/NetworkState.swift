/// The buffers of a network's forward and backward passes, allocated once for a batch capacity: flat
/// trained parameters with their gradients, running statistics, one activation buffer per
/// program buffer (a flatten that keeps the layout shares its input's) and, when training, one gradient
/// buffer each.
///
/// Confined to one thread at a time (the caller's); the layers inside use the `Parallelism` passed in,
/// and a chunked training step runs a run of samples on each of its threads, each with a `Lane` of its own.
package final class NetworkState {
    let program: LayerProgram
    let batchCapacity: Int
    package let parameterCount: Int
    /// Offset of each trained tensor in `parameters`, by name.
    let offsets: [String: Int]
    package let parameters: UnsafeMutablePointer<Float>
    package let gradients: UnsafeMutablePointer<Float>
    /// Running means and variances (BatchNorm), by name.
    private var running: [String: UnsafeMutablePointer<Float>] = [:]
    /// Activations; buffer 0 is the input batch.
    let activations: [UnsafeMutablePointer<Float>]
    /// Buffers whose activations are another buffer's memory, by that buffer (a flatten of a C×1×1 or
    /// 1×H×W buffer is the same values in the same order), so they are neither copied nor freed.
    private let sources: [Int: Int]
    /// dL/d(buffer), empty when the state only evaluates.
    let activationGradients: [UnsafeMutablePointer<Float>]
    /// Per normalisation: mean and 1/σ per statistic group.
    let statistics: [Int: (mean: UnsafeMutablePointer<Float>, inverse: UnsafeMutablePointer<Float>)]
    /// Per max pool: the index of each output's input.
    let argmax: [Int: UnsafeMutablePointer<Int32>]
    /// Per attention: the softmax probabilities, `batch × heads × tokens × tokens`.
    let attention: [Int: UnsafeMutablePointer<Float>]
    /// Per GELU, when training: erf(x/√2) of each input, which backward reads instead of computing again.
    let geluErf: [Int: UnsafeMutablePointer<Float>]
    /// `program.fusedWithReLU`, computed once.
    private let fused: Set<Int>
    /// `program.needsGradient`, computed once.
    let needsGradient: [Bool]
    /// `program.operations`, computed once.
    let operations: [(layer: Architecture.Layer, from: Int, to: Int)]
    /// `program.reluBeforeLinear` with each ReLU's buffers, computed once.
    let reluBeforeLinear: [Int: (from: Int, to: Int)]
    /// Norms fused with the ReLU after it whose backward does that ReLU's too (masking dy by its output),
    /// unless a linear layer after the ReLU already masks.
    let normsMaskingReLU: Set<Int>
    /// ReLUs whose backward another layer's does: a linear layer's after them, or a norm's before them.
    let reluSkippedInBackward: Set<Int>
    /// Scratch of each thread that runs part of a pass: lane 0 serves whole-batch passes, and a chunked
    /// training step gives each of its runs of samples a lane of its own.
    private(set) var lanes = [Lane()]
    /// Set when training steps run in chunks of samples (see `ChunkedGradients`).
    let chunked: ChunkedGradients?
    /// Each example's loss in the last training step, summed in example order.
    let exampleLosses: UnsafeMutablePointer<Double>
    package let batchLabels: UnsafeMutablePointer<Int32>
    package var batchInputs: UnsafeMutablePointer<Float> { activations[0] }

    /// - Parameter fusingReLU: false keeps every norm's and linear layer's own output in its buffer (for what reads
    ///   pre-activations, such as REPAIR); results are the same bits either way.
    /// - Parameter chunkBytes: a chunked training step's cache budget (`ChunkedGradients`); nil runs every
    ///   training step over the whole batch at once, the reference that chunked steps match bit for bit.
    package init(
        network: Network, batchCapacity: Int, training: Bool, fusingReLU: Bool = true,
        chunkBytes: Int? = NetworkState.chunkBytes
    ) {
        program = network.program
        fused = fusingReLU ? program.fusedWithReLU : []
        needsGradient = program.needsGradient
        let operations = program.operations
        self.operations = operations
        reluBeforeLinear = program.reluBeforeLinear.mapValues { (operations[$0].from, operations[$0].to) }
        let maskedByLinear = Set(program.reluBeforeLinear.values)
        normsMaskingReLU = fused.filter { i in
            guard case .norm = operations[i].layer.operation else { return false }
            return !maskedByLinear.contains(i + 1)
        }
        reluSkippedInBackward = maskedByLinear.union(normsMaskingReLU.map { $0 + 1 })
        self.batchCapacity = batchCapacity
        var offsets: [String: Int] = [:]
        var count = 0
        for p in program.parameters where p.trained {
            offsets[p.name] = count
            count += p.shape.reduce(1, *)
        }
        self.offsets = offsets
        parameterCount = count
        parameters = .allocate(capacity: count)
        gradients = .allocate(capacity: count)
        gradients.initialize(repeating: 0, count: count)
        for p in program.parameters {
            let values = network.tensors[p.name]?.scalars ?? []
            precondition(values.count == p.shape.reduce(1, *), "\(p.name) has the wrong size")
            let target: UnsafeMutablePointer<Float>
            if let offset = offsets[p.name] {
                target = parameters + offset
            } else {
                target = .allocate(capacity: values.count)
                running[p.name] = target
            }
            values.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { target.initialize(from: base, count: values.count) }
            }
        }
        var activations: [UnsafeMutablePointer<Float>] = []
        var sources: [Int: Int] = [:]
        for (b, buffer) in program.buffers.enumerated() {
            if b > 0, case .flatten = program.architecture.layers[b - 1].operation {
                let from = program.architecture.layers[b - 1].inputs[0], x = program.buffers[from]
                if x.channels == 1 || x.height * x.width == 1 {
                    activations.append(activations[from])
                    sources[b] = sources[from] ?? from
                    continue
                }
            }
            activations.append(.allocate(capacity: batchCapacity * buffer.size))
        }
        self.activations = activations
        self.sources = sources
        activationGradients = training ? program.buffers.map { .allocate(capacity: batchCapacity * $0.size) } : []
        var statistics: [Int: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)] = [:]
        var argmax: [Int: UnsafeMutablePointer<Int32>] = [:]
        var attention: [Int: UnsafeMutablePointer<Float>] = [:]
        var geluErf: [Int: UnsafeMutablePointer<Float>] = [:]
        for (i, (layer, from, to)) in operations.enumerated() {
            switch layer.operation {
            case .norm(let kind):
                let groups = Self.normShape(program.buffers[from], batch: batchCapacity).statistics(kind)
                statistics[i] = (.allocate(capacity: groups), .allocate(capacity: groups))
            case .maxPool:
                argmax[i] = .allocate(capacity: batchCapacity * program.buffers[to].size)
            case .attention(let heads):
                let tokens = program.buffers[from].height * program.buffers[from].width
                attention[i] = .allocate(capacity: batchCapacity * heads * tokens * tokens)
            case .gelu:
                if training { geluErf[i] = .allocate(capacity: batchCapacity * program.buffers[from].size) }
            case .conv, .relu, .add, .averagePool, .globalAveragePool, .linear, .tokenLinear, .flatten, .positionEmbedding:
                continue
            }
        }
        self.statistics = statistics
        self.argmax = argmax
        self.attention = attention
        self.geluErf = geluErf
        batchLabels = .allocate(capacity: batchCapacity)
        exampleLosses = .allocate(capacity: batchCapacity)
        chunked =
            if training, let chunkBytes {
                ChunkedGradients(
                    program, operations: operations, batchCapacity: batchCapacity, chunkBytes: chunkBytes, sources: sources)
            } else {
                nil
            }
    }

    /// Whether training steps run in chunks of samples.
    package var trainsInChunks: Bool { chunked != nil }

    /// The default budget for a training chunk's widest buffer (`ChunkedGradients`).
    ///
    /// With each run's chunks in one stretch of every buffer (`ChunkedGradients.keptRows`), 8-image
    /// chunks of the bench's VGG (400 KB buffers) trained 5-8% faster on 2 threads than 16-image ones
    /// (1 MB); ResNet-20 w8's 16-image chunks measured the same as 40-image ones.
    package static let chunkBytes = 512 << 10

    /// At least `count` lanes.
    func reserveLanes(_ count: Int) {
        while lanes.count < count { lanes.append(Lane()) }
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        running.values.forEach { $0.deallocate() }
        for (b, buffer) in activations.enumerated() where sources[b] == nil { buffer.deallocate() }
        activationGradients.forEach { $0.deallocate() }
        statistics.values.forEach {
            $0.mean.deallocate()
            $0.inverse.deallocate()
        }
        argmax.values.forEach { $0.deallocate() }
        attention.values.forEach { $0.deallocate() }
        geluErf.values.forEach { $0.deallocate() }
        batchLabels.deallocate()
        exampleLosses.deallocate()
    }

    /// The current tensors as a network.
    package func snapshot() -> Network {
        var tensors: [String: Tensor] = [:]
        for p in program.parameters {
            let count = p.shape.reduce(1, *)
            let source = offsets[p.name].map { parameters + $0 } ?? running[p.name]
            if let source {
                tensors[p.name] = Tensor(shape: p.shape, scalars: Array(UnsafeBufferPointer(start: source, count: count)))
            }
        }
        return Network(program: program, tensors: tensors)
    }

    /// Overwrites the trained parameters with `network`'s (same program); running statistics stay.
    package func loadParameters(_ network: Network) {
        for p in program.parameters where p.trained {
            guard let offset = offsets[p.name], let values = network.tensors[p.name]?.scalars else { continue }
            precondition(values.count == p.shape.reduce(1, *), "\(p.name) has the wrong size")
            values.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { (parameters + offset).update(from: base, count: values.count) }
            }
        }
    }

    /// Overwrites every tensor but those of `skipping` layers with Σ_i w_i·θ_i of `networks` (same
    /// program), summed as `Interpolation.combination` sums: the same bits as loading that network.
    package func load(combining networks: [Network], weights: [Float], skipping: Set<String> = []) {
        for p in program.parameters where !skipping.contains(p.layer) {
            guard let target = offsets[p.name].map({ parameters + $0 }) ?? running[p.name] else { continue }
            let count = p.shape.reduce(1, *)
            target.update(repeating: 0, count: count)
            for (network, w) in zip(networks, weights) {
                guard let values = network.tensors[p.name]?.scalars else { continue }
                precondition(values.count == count, "\(p.name) has the wrong size")
                values.withUnsafeBufferPointer { src in
                    if let base = src.baseAddress { Interpolation.accumulate(w, base, into: target, count: count) }
                }
            }
        }
    }

    /// The mask as one gradient multiplier per parameter, laid out like `parameters`.
    ///
    /// 0 for a pruned weight, 1 for every other parameter (so the optimizer's product leaves its gradient
    /// unchanged, bit for bit). With zero weights and an optimizer state that starts at zero, pruned weights then stay zero.
    package func gradientMultipliers(_ mask: PruningMask) -> [Float] {
        let names = program.prunableWeightNames
        precondition(mask.layers.count == names.count, "one mask layer per prunable weight")
        let sizes = Dictionary(
            program.parameters.map { ($0.name, $0.shape.reduce(1, *)) }, uniquingKeysWith: { first, _ in first })
        var keep = [Float](repeating: 1, count: parameterCount)
        for (name, layer) in zip(names, mask.layers) {
            guard let offset = offsets[name] else { preconditionFailure("no parameter \(name)") }
            precondition(layer.count == sizes[name], "the mask of \(name) has the wrong size")
            keep.replaceSubrange(offset..<offset + layer.count, with: layer)
        }
        return keep
    }

    func parameter(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let offset = offsets[name] else { preconditionFailure("no parameter \(name)") }
        return parameters + offset
    }

    func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let offset = offsets[name] else { preconditionFailure("no parameter \(name)") }
        return gradients + offset
    }

    /// Runs the program on the first `batch` inputs; the logits are left in the last buffer.
    ///
    /// - Parameter training: BatchNorm uses (and updates) batch statistics when true, running ones when false.
    /// - Parameter momentum: how far BatchNorm's running statistics move to each training batch's.
    /// - Parameters first, last: the operations to run, by index (default: all of them); the buffers the
    ///   first reads must hold this batch already.
    package func forward(
        batch: Int, training: Bool, momentum: Double = 0.1, from first: Int = 0, through last: Int? = nil,
        inputs: UnsafePointer<Float>? = nil, parallelism: Parallelism
    ) {
        forward(
            rows: 0..<batch, training: training, momentum: momentum, from: first, through: last, inputs: inputs,
            lane: lanes[0], parallelism: parallelism)
    }

    /// `forward` on the samples `rows` of the batch: their rows of every buffer, with `lane`'s scratch.
    ///
    /// Passes over disjoint rows may run at the same time on distinct lanes, unless the program has
    /// BatchNorm (whose statistics are one set for the batch). A chunked training step passes `chunked`,
    /// whose packed weights it has just written, and `home`, the first row of the chunk's run: buffers
    /// that are not kept hold the chunk from there (`sampleRows`), so concurrent runs need disjoint runs.
    func forward(
        rows: Range<Int>, training: Bool, momentum: Double = 0.1, from first: Int = 0, through last: Int? = nil,
        inputs: UnsafePointer<Float>? = nil, lane: Lane, chunked: ChunkedGradients? = nil, home: Int? = nil,
        parallelism: Parallelism
    ) {
        let batch = rows.count
        /// A buffer to read: the caller's `inputs` stand for buffer 0 (and what shares its memory) when
        /// given, so evaluation reads a split where it lies instead of copying it.
        func read(_ b: Int) -> UnsafePointer<Float> {
            let source = sources[b] ?? b
            if source == 0, let inputs { return inputs + rows.lowerBound * program.buffers[b].size }
            return UnsafePointer(sampleRows(activations[source], b, rows, home: home))
        }
        func write(_ b: Int) -> UnsafeMutablePointer<Float> { sampleRows(activations[b], b, rows, home: home) }
        let workspace = lane.convolution
        for (i, (layer, from, to)) in operations.enumerated() where i >= first && i <= last ?? Int.max {
            // Fused with the next layer's ReLU: write the ReLU's output, and the ReLU is skipped.
            let (output, relu) = fused.contains(i) ? (to + 1, true) : (to, false)
            let x = read(from)
            switch layer.operation {
            case .conv(let channels, let kernel, let stride, let padding, let bias):
                Convolution.forward(
                    x: x, weight: parameter(layer.name + ".weight"),
                    bias: bias ? UnsafePointer(parameter(layer.name + ".bias")) : nil,
                    geometry: program.convolutionGeometry(from: from, batch: batch, channels, kernel, stride, padding),
                    y: write(to),
                    packedWeights: chunked?.packedWeights[i].map { UnsafePointer($0.forward) }, workspace: workspace,
                    parallelism: parallelism)
            case .norm(let kind):
                guard let stats = statistics(i, kind, from, rows) else { continue }
                let runningStats = running[layer.name + ".running_mean"].flatMap { m in
                    running[layer.name + ".running_var"].map { (m, $0) }
                }
                Normalization.forward(
                    kind, x: x, shape: Self.normShape(program.buffers[from], batch: batch),
                    gamma: parameter(layer.name + ".weight"), beta: parameter(layer.name + ".bias"), y: write(output),
                    mean: stats.mean, inverseDeviation: stats.inverse, running: runningStats, training: training,
                    momentum: momentum, relu: relu, parallelism: parallelism)
            case .relu:
                if i > 0 && fused.contains(i - 1) { continue }
                let (xs, y) = (SharedReadPointer(base: x), SharedPointer(base: write(to)))
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { y.base[e] = max(xs.base[e], 0) }
                }
            case .gelu:
                let (xs, y) = (SharedReadPointer(base: x), SharedPointer(base: write(to)))
                if let kept = geluErf[i].map({ SharedPointer(base: sampleRows($0, from, rows, home: home)) }) {
                    Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                        for e in r {
                            kept.base[e] = GELU.erfTerm(xs.base[e])
                            y.base[e] = GELU.value(xs.base[e], erf: kept.base[e])
                        }
                    }
                } else {
                    Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                        for e in r { y.base[e] = GELU.value(xs.base[e]) }
                    }
                }
            case .maxPool:
                let b = program.buffers[from]
                guard let indices = argmax[i].map({ sampleRows($0, to, rows, home: home) }) else { continue }
                Pooling.maxForward(
                    x: x, batch: batch, height: b.height, width: b.width, channels: b.channels, y: write(to),
                    argmax: indices, parallelism: parallelism)
            case .averagePool(let kernel):
                let b = program.buffers[from]
                Pooling.windowAverageForward(
                    x: x, batch: batch, height: b.height, width: b.width, channels: b.channels, kernel: kernel,
                    y: write(to), parallelism: parallelism)
            case .globalAveragePool:
                let b = program.buffers[from]
                Pooling.averageForward(
                    x: x, batch: batch, positions: b.height * b.width, channels: b.channels, y: write(to))
            case .flatten:
                let b = program.buffers[from]
                if sources[to] != nil { continue }
                Flatten.forward(
                    x: x, batch: batch, positions: b.height * b.width, channels: b.channels, y: write(to),
                    parallelism: parallelism)
            case .add:
                let (xs, zs) = (SharedReadPointer(base: x), SharedReadPointer(base: read(layer.inputs[1])))
                let y = SharedPointer(base: write(output))
                Self.elementwise(batch, program.buffers[to].size, parallelism) { r in
                    if relu {
                        for e in r { y.base[e] = max(xs.base[e] + zs.base[e], 0) }
                    } else {
                        for e in r { y.base[e] = xs.base[e] + zs.base[e] }
                    }
                }
            case .linear(let outputs, let bias):
                Dense.forward(
                    x: x, batch: batch, weight: parameter(layer.name + ".weight"),
                    bias: bias ? UnsafePointer(parameter(layer.name + ".bias")) : nil, inputs: program.buffers[from].channels,
                    outputs: outputs, relu: relu, y: write(output), workspace: workspace.gemm,
                    parallelism: parallelism)
            case .tokenLinear(let outputs, let bias):
                let b = program.buffers[from]
                Dense.forward(
                    x: x, batch: batch * b.height * b.width, weight: parameter(layer.name + ".weight"),
                    bias: bias ? UnsafePointer(parameter(layer.name + ".bias")) : nil, inputs: b.channels,
                    outputs: outputs, relu: false, y: write(to), workspace: workspace.gemm,
                    parallelism: parallelism)
            case .positionEmbedding:
                PositionEmbedding.forward(
                    x: x, embedding: parameter(layer.name + ".weight"), batch: batch, size: program.buffers[from].size,
                    y: write(to), parallelism: parallelism)
            case .attention:
                guard let probabilities = attentionProbabilities(i, layer, from, rows) else { continue }
                Attention.forward(
                    q: x, k: read(layer.inputs[1]), v: read(layer.inputs[2]), shape: attentionShape(layer, from, batch),
                    out: write(to), probabilities: probabilities, parallelism: parallelism)
            }
        }
    }

    /// Runs the program on the first `batch` inputs with operation `given`'s output supplied by `write`
    /// instead of computed: `write(y, relu)` fills `batch ×` its output size at `y`, applying ReLU when
    /// `relu` (the ReLU after it is fused, and skipped).
    package func forward(
        batch: Int, replacingOutputOf given: Int, inputs: UnsafePointer<Float>, parallelism: Parallelism,
        write: (UnsafeMutablePointer<Float>, _ relu: Bool) -> Void
    ) {
        if given > 0 { forward(batch: batch, training: false, through: given - 1, inputs: inputs, parallelism: parallelism) }
        let relu = fused.contains(given), to = operations[given].to
        write(activations[relu ? to + 1 : to], relu)
        forward(batch: batch, training: false, from: given + 1, inputs: inputs, parallelism: parallelism)
    }

    /// An attention layer's shape for a batch.
    func attentionShape(_ layer: Architecture.Layer, _ from: Int, _ batch: Int) -> Attention.Shape {
        let b = program.buffers[from]
        guard case .attention(let heads) = layer.operation else { preconditionFailure("not an attention layer") }
        return Attention.Shape(batch: batch, tokens: b.height * b.width, width: b.channels, heads: heads)
    }

    /// The samples `rows` of memory laid out as buffer `b`: a batch of its size per sample.
    ///
    /// In a chunked step (`home`, the first row of the chunk's run), a buffer whose rows are not kept
    /// holds them from `home` on (`ChunkedGradients.keptRows`).
    func sampleRows<Element>(
        _ base: UnsafeMutablePointer<Element>, _ b: Int, _ rows: Range<Int>, home: Int? = nil
    ) -> UnsafeMutablePointer<Element> {
        let first = home.flatMap { chunked?.keptRows[b] == false ? $0 : nil } ?? rows.lowerBound
        return base + first * program.buffers[b].size
    }

    /// Norm `i`'s statistics of the samples `rows` (BatchNorm's, the batch's, only from the first).
    func statistics(
        _ i: Int, _ kind: Normalization.Kind, _ from: Int, _ rows: Range<Int>
    ) -> (mean: UnsafeMutablePointer<Float>, inverse: UnsafeMutablePointer<Float>)? {
        guard let stats = statistics[i] else { return nil }
        if case .batch = kind {
            precondition(rows.lowerBound == 0, "BatchNorm's statistics are the whole batch's")
            return stats
        }
        let offset = rows.lowerBound * Self.normShape(program.buffers[from], batch: 1).statistics(kind)
        return (stats.mean + offset, stats.inverse + offset)
    }

    /// Attention `i`'s probabilities of the samples `rows`.
    func attentionProbabilities(
        _ i: Int, _ layer: Architecture.Layer, _ from: Int, _ rows: Range<Int>
    ) -> UnsafeMutablePointer<Float>? {
        let shape = attentionShape(layer, from, 1)
        return attention[i].map { $0 + rows.lowerBound * shape.heads * shape.tokens * shape.tokens }
    }

    /// The logits of the last forward pass, `batch × classes`.
    package var logits: UnsafeMutablePointer<Float> { activations[activations.count - 1] }

    /// Runs `body` on the element range of each of `samples` samples of `size` elements, one per piece.
    static func elementwise(
        _ samples: Int, _ size: Int, _ parallelism: Parallelism, _ body: @Sendable (Range<Int>) -> Void
    ) {
        parallelism.forEach(samples) { n in body(n * size..<(n + 1) * size) }
    }

    /// The normalisation shape of a buffer for a batch: one row per position.
    static func normShape(_ buffer: LayerProgram.Buffer, batch: Int) -> Normalization.Shape {
        .init(
            rows: batch * buffer.height * buffer.width, channels: buffer.channels,
            positionsPerSample: buffer.height * buffer.width)
    }
}
