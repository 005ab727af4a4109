extension NetworkState {
    /// Forward (training mode), loss and backward on the `batch` examples in `batchInputs`/`batchLabels`;
    /// leaves gradients of the mean loss in `gradients` and returns the summed loss.
    ///
    /// Buffers that no trained parameter feeds (the input, a flatten of it) get no gradient. When the
    /// program trains in chunks (`ChunkedGradients`), each thread takes its own samples through the whole
    /// step, a chunk at a time, and the parameter gradients are summed afterwards in the order a
    /// whole-batch step sums them: the same bits either way.
    package func computeGradients(batch: Int, parallelism: Parallelism) -> Double {
        precondition(!activationGradients.isEmpty, "this state was made for evaluation only")
        if let chunked, let runs = chunked.runs(batch: batch, threads: parallelism.threads) {
            reserveLanes(runs.count)
            packWeights(chunked)
            // Each run writes its own samples' rows and its own lane's scratch only.
            let state = ChunkedGradients.SharedState(state: self)
            parallelism.forEach(runs.count) { g in
                let (lane, chunked, home) = (state.state.lanes[g], state.state.chunked, runs[g].first?.lowerBound)
                for rows in runs[g] {
                    state.state.forward(
                        rows: rows, training: true, lane: lane, chunked: chunked, home: home, parallelism: .serial)
                    state.state.lossGradient(rows: rows, batch: batch)
                    state.state.backward(rows: rows, lane: lane, chunked: chunked, home: home, parallelism: .serial)
                }
            }
            parameterGradients(batch: batch, chunked: chunked, parallelism: parallelism)
        } else {
            forward(rows: 0..<batch, training: true, lane: lanes[0], parallelism: parallelism)
            lossGradient(rows: 0..<batch, batch: batch)
            backward(rows: 0..<batch, lane: lanes[0], chunked: nil, parallelism: parallelism)
        }
        var loss = 0.0
        for r in 0..<batch { loss += exampleLosses[r] }
        return loss
    }

    /// Each convolution's weights packed for this step's chunks (`ChunkedGradients.packedWeights`).
    private func packWeights(_ chunked: ChunkedGradients) {
        let workspace = lanes[0].convolution
        for (i, (layer, from, _)) in operations.enumerated() {
            guard case .conv(let channels, let kernel, let stride, let padding, _) = layer.operation,
                let packed = chunked.packedWeights[i]
            else { continue }
            let weight = parameter(layer.name + ".weight")
            let g = program.convolutionGeometry(from: from, batch: 1, channels, kernel, stride, padding)
            Convolution.packWeights(weight, g, into: packed.forward, workspace: workspace)
            if let inputGradient = packed.inputGradient {
                Convolution.packInputGradientWeights(weight, g, into: inputGradient, workspace: workspace)
            }
        }
    }

    /// The gradient of the mean loss over `batch` examples at the logits of the samples `rows`, into the
    /// last buffer's gradient; their losses into `exampleLosses`.
    private func lossGradient(rows: Range<Int>, batch: Int) {
        let classes = program.classes, last = activations.count - 1
        let logits = self.logits + rows.lowerBound * classes
        SoftmaxCrossEntropy.lossAndGradient(
            logits: logits, labels: batchLabels + rows.lowerBound, count: rows.count, batch: batch, classes: classes,
            losses: exampleLosses + rows.lowerBound)
        (activationGradients[last] + rows.lowerBound * classes).update(from: logits, count: rows.count * classes)
    }

    /// Backward over the samples `rows`, from the last buffer's gradient; with `chunked`, the parameter
    /// gradients that sum over samples are left for `parameterGradients` (the convolutions' as one partial
    /// per piece of images, the norms' as one partial per sample).
    ///
    /// Buffers are read and written where `forward` put them (`sampleRows` with the same `home`).
    private func backward(
        rows: Range<Int>, lane: Lane, chunked: ChunkedGradients?, home: Int? = nil, parallelism: Parallelism
    ) {
        let batch = rows.count, workspace = lane.convolution
        let last = activations.count - 1
        assert(chunked == nil || rows.lowerBound % Convolution.imagesPerGradientPiece == 0, "a chunk starts a piece")
        var written = [Bool](repeating: false, count: activations.count)
        written[last] = true
        func x(_ buffer: Int) -> UnsafeMutablePointer<Float> { sampleRows(activations[buffer], buffer, rows, home: home) }
        /// Where a layer's input gradient goes: straight into the buffer's gradient the first time, into
        /// scratch (then added) when another reader already wrote it; readers run in reverse order. Nil
        /// for a buffer that needs no gradient.
        func target(_ buffer: Int) -> UnsafeMutablePointer<Float>? {
            guard needsGradient[buffer] else { return nil }
            return written[buffer]
                ? lane.scratch.pointer(count: batch * program.buffers[buffer].size)
                : sampleRows(activationGradients[buffer], buffer, rows, home: home)
        }
        func commit(_ buffer: Int, _ pointer: UnsafeMutablePointer<Float>) {
            if written[buffer] {
                let g = SharedPointer(base: sampleRows(activationGradients[buffer], buffer, rows, home: home))
                let p = SharedReadPointer(base: pointer)
                Self.elementwise(batch, program.buffers[buffer].size, parallelism) { r in for e in r { g.base[e] += p.base[e] } }
            }
            written[buffer] = true
        }
        for (i, (layer, from, to)) in operations.enumerated().reversed() where needsGradient[to] {
            let dy = UnsafePointer(sampleRows(activationGradients[to], to, rows, home: home))
            switch layer.operation {
            case .conv(let channels, let kernel, let stride, let padding, let bias):
                let dx = target(from)
                let g = program.convolutionGeometry(from: from, batch: batch, channels, kernel, stride, padding)
                // Chunked: this chunk's pieces of the weight gradient, summed with the others' afterwards.
                let pieces = chunked?.convolutionPartials[i].map {
                    $0 + rows.lowerBound / Convolution.imagesPerGradientPiece * channels * g.depth
                }
                Convolution.backward(
                    dy: dy, x: x(from), weight: parameter(layer.name + ".weight"), geometry: g,
                    dWeight: pieces == nil ? gradient(layer.name + ".weight") : nil,
                    dBias: bias && pieces == nil ? gradient(layer.name + ".bias") : nil, dx: dx, pieces: pieces,
                    packedInputGradientWeights: chunked?.packedWeights[i]?.inputGradient.map { UnsafePointer($0) },
                    workspace: workspace, parallelism: parallelism)
                if let dx { commit(from, dx) }
            case .norm(let kind):
                guard let stats = statistics(i, kind, from, rows) else { continue }
                // A norm's dγ and dβ need its dx pass; a norm on the input computes it into scratch.
                let dx = target(from) ?? lane.scratch.pointer(count: batch * program.buffers[from].size)
                // Doing the ReLU's backward too: dy is then the ReLU's output gradient.
                let relu = normsMaskingReLU.contains(i)
                let upstream =
                    relu ? UnsafePointer(sampleRows(activationGradients[to + 1], to + 1, rows, home: home)) : dy
                let reluOutput = relu ? UnsafePointer(x(to + 1)) : nil
                let (shape, gamma) = (Self.normShape(program.buffers[from], batch: batch), parameter(layer.name + ".weight"))
                if let partials = chunked?.normPartials[i] {
                    Normalization.sampleBackward(
                        kind, dy: upstream, reluOutput: reluOutput, x: x(from), shape: shape, gamma: gamma, mean: stats.mean,
                        inverseDeviation: stats.inverse, dx: dx, partials: partials + rows.lowerBound * 2 * shape.channels,
                        parallelism: parallelism)
                } else {
                    Normalization.backward(
                        kind, dy: upstream, reluOutput: reluOutput, x: x(from), shape: shape, gamma: gamma, mean: stats.mean,
                        inverseDeviation: stats.inverse, dx: dx, dGamma: gradient(layer.name + ".weight"),
                        dBeta: gradient(layer.name + ".bias"), parallelism: parallelism)
                }
                if needsGradient[from] { commit(from, dx) }
            case .relu:
                guard !reluSkippedInBackward.contains(i), let dx = target(from) else { continue }
                let (y, g) = (SharedReadPointer(base: x(to)), SharedReadPointer(base: dy))
                let out = SharedPointer(base: dx)
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { out.base[e] = y.base[e] > 0 ? g.base[e] : 0 }
                }
                commit(from, dx)
            case .gelu:
                guard let dx = target(from), let erfs = geluErf[i] else { continue }
                let (xs, g) = (SharedReadPointer(base: x(from)), SharedReadPointer(base: dy))
                let kept = SharedReadPointer(base: UnsafePointer(sampleRows(erfs, from, rows, home: home)))
                let out = SharedPointer(base: dx)
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { out.base[e] = g.base[e] * GELU.derivative(xs.base[e], erf: kept.base[e]) }
                }
                commit(from, dx)
            case .maxPool:
                guard let indices = argmax[i].map({ sampleRows($0, to, rows, home: home) }),
                    let dx = target(from)
                else { continue }
                Pooling.maxBackward(
                    dy: dy, argmax: indices, batch: batch, outputsPerSample: program.buffers[to].size,
                    inputsPerSample: program.buffers[from].size, dx: dx, parallelism: parallelism)
                commit(from, dx)
            case .averagePool(let kernel):
                guard let dx = target(from) else { continue }
                let b = program.buffers[from]
                Pooling.windowAverageBackward(
                    dy: dy, batch: batch, height: b.height, width: b.width, channels: b.channels, kernel: kernel, dx: dx,
                    parallelism: parallelism)
                commit(from, dx)
            case .globalAveragePool:
                guard let dx = target(from) else { continue }
                let b = program.buffers[from]
                Pooling.averageBackward(dy: dy, batch: batch, positions: b.height * b.width, channels: b.channels, dx: dx)
                commit(from, dx)
            case .flatten:
                guard let dx = target(from) else { continue }
                let b = program.buffers[from]
                Flatten.backward(
                    dy: dy, batch: batch, positions: b.height * b.width, channels: b.channels, dx: dx, parallelism: parallelism)
                commit(from, dx)
            case .add:
                for input in layer.inputs {
                    guard let dx = target(input) else { continue }
                    let out = SharedPointer(base: dx)
                    let g = SharedReadPointer(base: dy)
                    Self.elementwise(batch, program.buffers[to].size, parallelism) { r in
                        (out.base + r.lowerBound).update(from: g.base + r.lowerBound, count: r.count)
                    }
                    commit(input, dx)
                }
            case .linear(let outputs, let bias):
                // Reading a ReLU's output alone: dx goes straight to the ReLU's input, masked where it was off.
                let relu = reluBeforeLinear[i]
                let dx = target(relu?.from ?? from)
                // Chunked: dW and db over the whole batch afterwards.
                let deferred = chunked != nil
                Dense.backward(
                    dy: dy, x: x(from), batch: batch, weight: parameter(layer.name + ".weight"),
                    inputs: program.buffers[from].channels, outputs: outputs,
                    dWeight: deferred ? nil : gradient(layer.name + ".weight"),
                    dBias: bias && !deferred ? gradient(layer.name + ".bias") : nil, dx: dx,
                    reluOutput: relu.map { UnsafePointer(x($0.to)) }, workspace: workspace.gemm, parallelism: parallelism)
                if let dx { commit(relu?.from ?? from, dx) }
            case .tokenLinear(let outputs, let bias):
                let b = program.buffers[from]
                let dx = target(from)
                Dense.backward(
                    dy: dy, x: x(from), batch: batch * b.height * b.width,
                    weight: parameter(layer.name + ".weight"), inputs: b.channels, outputs: outputs,
                    dWeight: gradient(layer.name + ".weight"), dBias: bias ? gradient(layer.name + ".bias") : nil, dx: dx,
                    workspace: workspace.gemm, parallelism: parallelism)
                if let dx { commit(from, dx) }
            case .positionEmbedding:
                let dx = target(from)
                PositionEmbedding.backward(
                    dy: dy, batch: batch, size: program.buffers[from].size, dEmbedding: gradient(layer.name + ".weight"),
                    dx: dx)
                if let dx { commit(from, dx) }
            case .attention:
                guard let probabilities = attentionProbabilities(i, layer, from, rows) else { continue }
                // q, k and v are three buffers (the program checks it); one that another reader already wrote
                // takes its gradient through memory of its own, since scratch is one buffer.
                var owned: [UnsafeMutablePointer<Float>] = []
                defer { owned.forEach { $0.deallocate() } }
                func separate(_ b: Int) -> UnsafeMutablePointer<Float>? {
                    guard needsGradient[b] else { return nil }
                    guard written[b] else { return sampleRows(activationGradients[b], b, rows, home: home) }
                    owned.append(.allocate(capacity: batch * program.buffers[b].size))
                    return owned.last
                }
                let (q, k, v) = (layer.inputs[0], layer.inputs[1], layer.inputs[2])
                let (dq, dk, dv) = (separate(q), separate(k), separate(v))
                Attention.backward(
                    dOut: dy, q: x(q), k: x(k), v: x(v),
                    shape: attentionShape(layer, from, batch), probabilities: probabilities, dq: dq, dk: dk, dv: dv,
                    parallelism: parallelism)
                for (buffer, gradient) in [(q, dq), (k, dk), (v, dv)] { if let gradient { commit(buffer, gradient) } }
            }
        }
    }

    /// The parameter gradients a chunked step left: each convolution's pieces and each norm's samples
    /// added in order, each linear layer's product over the whole batch, as a whole-batch step computes them.
    ///
    /// Reads the kept buffers (`ChunkedGradients.keptRows`), which hold every chunk's rows.
    private func parameterGradients(batch: Int, chunked: ChunkedGradients, parallelism: Parallelism) {
        let workspace = lanes[0].convolution
        for (i, (layer, from, to)) in operations.enumerated() where needsGradient[to] {
            switch layer.operation {
            case .conv(let channels, let kernel, let stride, let padding, let bias):
                guard let partials = chunked.convolutionPartials[i] else { continue }
                let g = program.convolutionGeometry(from: from, batch: batch, channels, kernel, stride, padding)
                Convolution.weightGradient(
                    summing: partials, pieces: Convolution.gradientPieces(batch), g,
                    into: gradient(layer.name + ".weight"), workspace: workspace, parallelism: parallelism)
                if bias {
                    Dense.biasGradient(
                        dy: activationGradients[to], rows: g.positions, columns: channels,
                        into: gradient(layer.name + ".bias"))
                }
            case .norm:
                guard let partials = chunked.normPartials[i] else { continue }
                Normalization.parameterGradients(
                    summing: partials, samples: batch, channels: program.buffers[from].channels,
                    dGamma: gradient(layer.name + ".weight"), dBeta: gradient(layer.name + ".bias"))
            case .linear(let outputs, let bias):
                Dense.parameterGradients(
                    dy: activationGradients[to], x: activations[from], batch: batch,
                    inputs: program.buffers[from].channels, outputs: outputs, dWeight: gradient(layer.name + ".weight"),
                    dBias: bias ? gradient(layer.name + ".bias") : nil, workspace: workspace.gemm,
                    parallelism: parallelism)
            default:
                continue
            }
        }
    }
}
