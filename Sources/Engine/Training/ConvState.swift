/// The buffers of a convolutional network's forward and backward passes, allocated once for a batch
/// capacity: flat trained parameters with their gradients and velocities, running statistics, one
/// activation buffer per program buffer (and, when training, one gradient buffer each).
///
/// Confined to one thread at a time (the caller's); the layers inside use the `Parallelism` passed in.
package final class ConvState {
    let architecture: ConvArchitecture
    let program: ConvProgram
    let batchCapacity: Int
    package let parameterCount: Int
    /// Offset of each trained tensor in `parameters`, by name.
    let offsets: [String: Int]
    package let parameters: UnsafeMutablePointer<Float>
    package let gradients: UnsafeMutablePointer<Float>
    let velocity: UnsafeMutablePointer<Float>
    /// Running means and variances (BatchNorm), by name.
    private var running: [String: UnsafeMutablePointer<Float>] = [:]
    /// Activations; buffer 0 is the input batch.
    let activations: [UnsafeMutablePointer<Float>]
    /// dL/d(buffer), empty when the state only evaluates.
    let activationGradients: [UnsafeMutablePointer<Float>]
    /// Per normalisation: mean and 1/σ per statistic group.
    private let statistics: [Int: (mean: UnsafeMutablePointer<Float>, inverse: UnsafeMutablePointer<Float>)]
    /// Per max pool: the index of each output's input.
    private let argmax: [Int: UnsafeMutablePointer<Int32>]
    /// `program.normsFusedWithReLU`, computed once.
    private let fusedNorms: Set<Int>
    let scratch = ScratchBuffer()
    let convolution = Convolution.Workspace()
    package let batchLabels: UnsafeMutablePointer<Int32>
    package var batchInputs: UnsafeMutablePointer<Float> { activations[0] }

    /// - Parameter fusingNormReLU: false keeps every norm's own output in its buffer (for what reads
    ///   pre-activations, such as REPAIR); results are the same bits either way.
    package init(network: ConvNet, batchCapacity: Int, training: Bool, fusingNormReLU: Bool = true) {
        architecture = network.architecture
        program = network.architecture.program
        fusedNorms = fusingNormReLU ? program.normsFusedWithReLU : []
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
        velocity = .allocate(capacity: count)
        gradients.initialize(repeating: 0, count: count)
        velocity.initialize(repeating: 0, count: count)
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
        activations = program.buffers.map { .allocate(capacity: batchCapacity * $0.size) }
        activationGradients = training ? program.buffers.map { .allocate(capacity: batchCapacity * $0.size) } : []
        var statistics: [Int: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)] = [:]
        var argmax: [Int: UnsafeMutablePointer<Int32>] = [:]
        for (i, operation) in program.operations.enumerated() {
            switch operation {
            case .norm(_, let kind, let from, _):
                let groups = Self.normShape(program.buffers[from], batch: batchCapacity).statistics(kind)
                statistics[i] = (.allocate(capacity: groups), .allocate(capacity: groups))
            case .maxPool(_, let to):
                argmax[i] = .allocate(capacity: batchCapacity * program.buffers[to].size)
            case .conv, .relu, .add, .average, .linear:
                continue
            }
        }
        self.statistics = statistics
        self.argmax = argmax
        batchLabels = .allocate(capacity: batchCapacity)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        velocity.deallocate()
        running.values.forEach { $0.deallocate() }
        activations.forEach { $0.deallocate() }
        activationGradients.forEach { $0.deallocate() }
        statistics.values.forEach {
            $0.mean.deallocate()
            $0.inverse.deallocate()
        }
        argmax.values.forEach { $0.deallocate() }
        batchLabels.deallocate()
    }

    /// The current tensors as a network.
    package func snapshot() -> ConvNet {
        var tensors: [String: Tensor] = [:]
        for p in program.parameters {
            let count = p.shape.reduce(1, *)
            let source = offsets[p.name].map { parameters + $0 } ?? running[p.name]
            if let source {
                tensors[p.name] = Tensor(shape: p.shape, scalars: Array(UnsafeBufferPointer(start: source, count: count)))
            }
        }
        return ConvNet(architecture: architecture, tensors: tensors)
    }

    /// Zeroes the gradients of pruned weights, so that (with zero velocity and zero weights) they stay zero.
    package func maskWeightGradients(_ mask: PruningMask) {
        for (name, keep) in zip(program.prunableWeightNames, mask.layers) {
            let g = gradient(name)
            for i in keep.indices { g[i] *= keep[i] }
        }
    }

    func parameter(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let offset = offsets[name] else { preconditionFailure("no parameter \(name)") }
        return parameters + offset
    }

    private func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
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
        parallelism: Parallelism
    ) {
        for (i, operation) in program.operations.enumerated() where i >= first && i <= last ?? Int.max {
            switch operation {
            case .conv(let layer, let from, let to):
                Convolution.forward(
                    x: activations[from], weight: parameter(layer.prefix + ".weight"),
                    bias: layer.hasBias ? UnsafePointer(parameter(layer.prefix + ".bias")) : nil,
                    geometry: geometry(layer, from: from, batch: batch), y: activations[to], workspace: convolution,
                    parallelism: parallelism)
            case .norm(let prefix, let kind, let from, let to):
                guard let stats = statistics[i] else { continue }
                let runningStats = running[prefix + ".running_mean"].flatMap { m in
                    running[prefix + ".running_var"].map { (m, $0) }
                }
                // Fused with the next operation's ReLU: write the ReLU's output, skip the ReLU.
                var (output, relu) = (to, false)
                if fusedNorms.contains(i), case .relu(_, let reluOutput) = program.operations[i + 1] {
                    (output, relu) = (reluOutput, true)
                }
                Normalization.forward(
                    kind, x: activations[from],
                    shape: Self.normShape(program.buffers[from], batch: batch),
                    gamma: parameter(prefix + ".weight"), beta: parameter(prefix + ".bias"), y: activations[output],
                    mean: stats.mean, inverseDeviation: stats.inverse, running: runningStats, training: training,
                    momentum: momentum, relu: relu, parallelism: parallelism)
            case .relu(let from, let to):
                if i > 0 && fusedNorms.contains(i - 1) { continue }
                let (x, y) = (SharedReadPointer(base: activations[from]), SharedPointer(base: activations[to]))
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { y.base[e] = max(x.base[e], 0) }
                }
            case .maxPool(let from, let to):
                let b = program.buffers[from]
                guard let indices = argmax[i] else { continue }
                Pooling.maxForward(
                    x: activations[from], batch: batch, height: b.height, width: b.width, channels: b.channels,
                    y: activations[to], argmax: indices, parallelism: parallelism)
            case .add(let a, let b, let to):
                let (x, z) = (SharedReadPointer(base: activations[a]), SharedReadPointer(base: activations[b]))
                let y = SharedPointer(base: activations[to])
                Self.elementwise(batch, program.buffers[to].size, parallelism) { r in
                    for e in r { y.base[e] = x.base[e] + z.base[e] }
                }
            case .average(let from, let to):
                let b = program.buffers[from]
                Pooling.averageForward(
                    x: activations[from], batch: batch, positions: b.height * b.width, channels: b.channels, y: activations[to])
            case .linear(let prefix, let inputs, let outputs, let from, let to):
                Dense.forward(
                    x: activations[from], batch: batch, weight: parameter(prefix + ".weight"), bias: parameter(prefix + ".bias"),
                    inputs: inputs, outputs: outputs, relu: false, y: activations[to], workspace: convolution.gemm,
                    parallelism: parallelism)
            }
        }
    }

    /// The logits of the last forward pass, `batch × classes`.
    package var logits: UnsafeMutablePointer<Float> { activations[activations.count - 1] }

    /// Forward (training mode), loss and backward on the `batch` examples in `batchInputs`/`batchLabels`;
    /// leaves gradients of the mean loss in `gradients` and returns the summed loss.
    package func computeGradients(batch: Int, parallelism: Parallelism) -> Double {
        precondition(!activationGradients.isEmpty, "this state was made for evaluation only")
        forward(batch: batch, training: true, parallelism: parallelism)
        let classes = architecture.classes
        let last = activations.count - 1
        let loss = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: batchLabels, batch: batch, classes: classes)
        activationGradients[last].update(from: logits, count: batch * classes)
        var written = [Bool](repeating: false, count: activations.count)
        written[last] = true
        /// Where an operation's input gradient goes: straight into the buffer's gradient the first time,
        /// into scratch (then added) when another reader already wrote it; readers run in reverse order.
        func target(_ buffer: Int) -> UnsafeMutablePointer<Float> {
            written[buffer] ? scratch.pointer(count: batch * program.buffers[buffer].size) : activationGradients[buffer]
        }
        func commit(_ buffer: Int, _ pointer: UnsafeMutablePointer<Float>) {
            if written[buffer] {
                let (g, p) = (SharedPointer(base: activationGradients[buffer]), SharedReadPointer(base: pointer))
                Self.elementwise(batch, program.buffers[buffer].size, parallelism) { r in for e in r { g.base[e] += p.base[e] } }
            }
            written[buffer] = true
        }
        for (i, operation) in program.operations.enumerated().reversed() {
            switch operation {
            case .conv(let layer, let from, let to):
                let dx: UnsafeMutablePointer<Float>? = from == 0 ? nil : target(from)
                Convolution.backward(
                    dy: activationGradients[to], x: activations[from], weight: parameter(layer.prefix + ".weight"),
                    geometry: geometry(layer, from: from, batch: batch), dWeight: gradient(layer.prefix + ".weight"),
                    dBias: layer.hasBias ? gradient(layer.prefix + ".bias") : nil, dx: dx, workspace: convolution,
                    parallelism: parallelism)
                if let dx { commit(from, dx) }
            case .norm(let prefix, let kind, let from, let to):
                guard let stats = statistics[i] else { continue }
                let dx = target(from)
                Normalization.backward(
                    kind, dy: activationGradients[to], x: activations[from],
                    shape: Self.normShape(program.buffers[from], batch: batch),
                    gamma: parameter(prefix + ".weight"), mean: stats.mean, inverseDeviation: stats.inverse, dx: dx,
                    dGamma: gradient(prefix + ".weight"), dBeta: gradient(prefix + ".bias"), parallelism: parallelism)
                commit(from, dx)
            case .relu(let from, let to):
                let dx = target(from)
                let (y, dy) = (SharedReadPointer(base: activations[to]), SharedReadPointer(base: activationGradients[to]))
                let out = SharedPointer(base: dx)
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { out.base[e] = y.base[e] > 0 ? dy.base[e] : 0 }
                }
                commit(from, dx)
            case .maxPool(let from, let to):
                guard let indices = argmax[i] else { continue }
                let dx = target(from)
                Pooling.maxBackward(
                    dy: activationGradients[to], argmax: indices, batch: batch, outputsPerSample: program.buffers[to].size,
                    inputsPerSample: program.buffers[from].size, dx: dx, parallelism: parallelism)
                commit(from, dx)
            case .add(let a, let b, let to):
                for input in [a, b] {
                    let dx = target(input)
                    let (dy, out) = (SharedReadPointer(base: activationGradients[to]), SharedPointer(base: dx))
                    Self.elementwise(batch, program.buffers[to].size, parallelism) { r in
                        (out.base + r.lowerBound).update(from: dy.base + r.lowerBound, count: r.count)
                    }
                    commit(input, dx)
                }
            case .average(let from, let to):
                let b = program.buffers[from]
                let dx = target(from)
                Pooling.averageBackward(
                    dy: activationGradients[to], batch: batch, positions: b.height * b.width, channels: b.channels, dx: dx)
                commit(from, dx)
            case .linear(let prefix, let inputs, let outputs, let from, let to):
                let dx = target(from)
                Dense.backward(
                    dy: activationGradients[to], x: activations[from], batch: batch, weight: parameter(prefix + ".weight"),
                    inputs: inputs, outputs: outputs, dWeight: gradient(prefix + ".weight"), dBias: gradient(prefix + ".bias"),
                    dx: dx, reluOutput: nil, workspace: convolution.gemm, parallelism: parallelism)
                commit(from, dx)
            }
        }
        return loss
    }

    /// Runs `body` on the element range of each of `samples` samples of `size` elements, one per piece.
    private static func elementwise(
        _ samples: Int, _ size: Int, _ parallelism: Parallelism, _ body: @Sendable (Range<Int>) -> Void
    ) {
        parallelism.forEach(samples) { n in body(n * size..<(n + 1) * size) }
    }

    /// The normalisation shape of a buffer for a batch: one row per position.
    private static func normShape(_ buffer: ConvProgram.Buffer, batch: Int) -> Normalization.Shape {
        .init(
            rows: batch * buffer.height * buffer.width, channels: buffer.channels,
            positionsPerSample: buffer.height * buffer.width)
    }

    private func geometry(_ layer: ConvProgram.ConvLayer, from: Int, batch: Int) -> Convolution.Geometry {
        let b = program.buffers[from]
        return Convolution.Geometry(
            batch: batch, height: b.height, width: b.width, inChannels: layer.inChannels, outChannels: layer.outChannels,
            kernel: layer.kernel, stride: layer.stride, padding: layer.kernel / 2)
    }
}
