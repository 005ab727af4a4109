extension NetworkState {
    /// Forward (training mode), loss and backward on the `batch` examples in `batchInputs`/`batchLabels`;
    /// leaves gradients of the mean loss in `gradients` and returns the summed loss.
    ///
    /// Buffers that no trained parameter feeds (the input, a flatten of it) get no gradient.
    package func computeGradients(batch: Int, parallelism: Parallelism) -> Double {
        precondition(!activationGradients.isEmpty, "this state was made for evaluation only")
        forward(batch: batch, training: true, parallelism: parallelism)
        let classes = program.classes
        let last = activations.count - 1
        let loss = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: batchLabels, batch: batch, classes: classes)
        activationGradients[last].update(from: logits, count: batch * classes)
        var written = [Bool](repeating: false, count: activations.count)
        written[last] = true
        /// Where a layer's input gradient goes: straight into the buffer's gradient the first time, into
        /// scratch (then added) when another reader already wrote it; readers run in reverse order. Nil
        /// for a buffer that needs no gradient.
        func target(_ buffer: Int) -> UnsafeMutablePointer<Float>? {
            guard needsGradient[buffer] else { return nil }
            return written[buffer] ? scratch.pointer(count: batch * program.buffers[buffer].size) : activationGradients[buffer]
        }
        func commit(_ buffer: Int, _ pointer: UnsafeMutablePointer<Float>) {
            if written[buffer] {
                let (g, p) = (SharedPointer(base: activationGradients[buffer]), SharedReadPointer(base: pointer))
                Self.elementwise(batch, program.buffers[buffer].size, parallelism) { r in for e in r { g.base[e] += p.base[e] } }
            }
            written[buffer] = true
        }
        for (i, (layer, from, to)) in operations.enumerated().reversed() where needsGradient[to] {
            let dy = UnsafePointer(activationGradients[to])
            switch layer.operation {
            case .conv(let channels, let kernel, let stride, let padding, let bias):
                let dx = target(from)
                Convolution.backward(
                    dy: dy, x: activations[from], weight: parameter(layer.name + ".weight"),
                    geometry: geometry(from: from, batch: batch, channels, kernel, stride, padding),
                    dWeight: gradient(layer.name + ".weight"), dBias: bias ? gradient(layer.name + ".bias") : nil, dx: dx,
                    workspace: convolution, parallelism: parallelism)
                if let dx { commit(from, dx) }
            case .norm(let kind):
                guard let stats = statistics[i] else { continue }
                // A norm's dγ and dβ need its dx pass; a norm on the input computes it into scratch.
                let dx = target(from) ?? scratch.pointer(count: batch * program.buffers[from].size)
                // Doing the ReLU's backward too: dy is then the ReLU's output gradient.
                let relu = normsMaskingReLU.contains(i)
                Normalization.backward(
                    kind, dy: relu ? UnsafePointer(activationGradients[to + 1]) : dy,
                    reluOutput: relu ? activations[to + 1] : nil,
                    x: activations[from], shape: Self.normShape(program.buffers[from], batch: batch),
                    gamma: parameter(layer.name + ".weight"), mean: stats.mean, inverseDeviation: stats.inverse, dx: dx,
                    dGamma: gradient(layer.name + ".weight"), dBeta: gradient(layer.name + ".bias"), parallelism: parallelism)
                if needsGradient[from] { commit(from, dx) }
            case .relu:
                guard !reluSkippedInBackward.contains(i), let dx = target(from) else { continue }
                let (y, g) = (SharedReadPointer(base: activations[to]), SharedReadPointer(base: dy))
                let out = SharedPointer(base: dx)
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { out.base[e] = y.base[e] > 0 ? g.base[e] : 0 }
                }
                commit(from, dx)
            case .gelu:
                guard let dx = target(from), let erfs = geluErf[i] else { continue }
                let (x, g) = (SharedReadPointer(base: activations[from]), SharedReadPointer(base: dy))
                let (out, kept) = (SharedPointer(base: dx), SharedReadPointer(base: UnsafePointer(erfs)))
                Self.elementwise(batch, program.buffers[from].size, parallelism) { r in
                    for e in r { out.base[e] = g.base[e] * GELU.derivative(x.base[e], erf: kept.base[e]) }
                }
                commit(from, dx)
            case .maxPool:
                guard let indices = argmax[i], let dx = target(from) else { continue }
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
                Dense.backward(
                    dy: dy, x: activations[from], batch: batch, weight: parameter(layer.name + ".weight"),
                    inputs: program.buffers[from].channels, outputs: outputs, dWeight: gradient(layer.name + ".weight"),
                    dBias: bias ? gradient(layer.name + ".bias") : nil, dx: dx,
                    reluOutput: relu.map { UnsafePointer(activations[$0.to]) }, workspace: convolution.gemm,
                    parallelism: parallelism)
                if let dx { commit(relu?.from ?? from, dx) }
            case .tokenLinear(let outputs, let bias):
                let b = program.buffers[from]
                let dx = target(from)
                Dense.backward(
                    dy: dy, x: activations[from], batch: batch * b.height * b.width,
                    weight: parameter(layer.name + ".weight"), inputs: b.channels, outputs: outputs,
                    dWeight: gradient(layer.name + ".weight"), dBias: bias ? gradient(layer.name + ".bias") : nil, dx: dx,
                    workspace: convolution.gemm, parallelism: parallelism)
                if let dx { commit(from, dx) }
            case .positionEmbedding:
                let dx = target(from)
                PositionEmbedding.backward(
                    dy: dy, batch: batch, size: program.buffers[from].size, dEmbedding: gradient(layer.name + ".weight"),
                    dx: dx)
                if let dx { commit(from, dx) }
            case .attention:
                guard let probabilities = attention[i] else { continue }
                // q, k and v are three buffers (the program checks it); one that another reader already wrote
                // takes its gradient through memory of its own, since scratch is one buffer.
                var owned: [UnsafeMutablePointer<Float>] = []
                defer { owned.forEach { $0.deallocate() } }
                func separate(_ b: Int) -> UnsafeMutablePointer<Float>? {
                    guard needsGradient[b] else { return nil }
                    guard written[b] else { return activationGradients[b] }
                    owned.append(.allocate(capacity: batch * program.buffers[b].size))
                    return owned.last
                }
                let (q, k, v) = (layer.inputs[0], layer.inputs[1], layer.inputs[2])
                let (dq, dk, dv) = (separate(q), separate(k), separate(v))
                Attention.backward(
                    dOut: dy, q: activations[q], k: activations[k], v: activations[v],
                    shape: attentionShape(layer, from, batch), probabilities: probabilities, dq: dq, dk: dk, dv: dv,
                    parallelism: parallelism)
                for (buffer, gradient) in [(q, dq), (k, dk), (v, dv)] { if let gradient { commit(buffer, gradient) } }
            }
        }
        return loss
    }
}
