extension Network {
    /// Loss and error on a split, BatchNorm on its running statistics.
    ///
    /// Per-example losses are summed in Double in example order, so the result does not depend on
    /// `batchSize` or the thread count.
    public func measure(on split: Dataset.Split, batchSize: Int = 500, parallelism: Parallelism) -> Metrics {
        let classes = program.classes
        var tally = MetricsTally()
        forEachBatch(split, batchSize: batchSize, training: false, parallelism: parallelism) { state, start, rows in
            tally.add(logits: state.logits, rows: rows, classes: classes, labels: split.labels, start: start)
        }
        return tally.metrics(count: split.count)
    }

    /// Logits for every example, `count × classes` (BatchNorm on its running statistics).
    public func logits(_ split: Dataset.Split, batchSize: Int = 500, parallelism: Parallelism) -> [Float] {
        let classes = program.classes
        var result = [Float](repeating: 0, count: split.count * classes)
        forEachBatch(split, batchSize: batchSize, training: false, parallelism: parallelism) { state, start, rows in
            for i in 0..<rows * classes { result[start * classes + i] = state.logits[i] }
        }
        return result
    }

    /// The network with BatchNorm's running statistics recomputed on training data.
    ///
    /// The statistics become the exact average of the batch statistics over the first `examples` examples,
    /// in batches of `batchSize`: the reset interpolated BatchNorm networks need, since their interpolated
    /// statistics describe neither end. Networks without BatchNorm are returned unchanged.
    public func resettingBatchStatistics(
        on split: Dataset.Split, examples: Int, batchSize: Int = 500, parallelism: Parallelism
    ) -> Network {
        guard program.parameters.contains(where: { $0.role == .runningMean }) else { return self }
        var reset = self
        for p in program.parameters {
            switch p.role {
            case .runningMean: reset.tensors[p.name] = Tensor(zeros: p.shape)
            case .runningVariance:
                reset.tensors[p.name] = Tensor(shape: p.shape, scalars: [Float](repeating: 1, count: p.shape.reduce(1, *)))
            default: continue
            }
        }
        let subset = split.prefix(examples, features: architecture.input.features)
        return reset.forEachBatch(subset, batchSize: batchSize, training: true, parallelism: parallelism) { _, _, _ in }
            .snapshot()
    }

    /// Runs the network over `split` in batches (the last may be short); returns the state after the last.
    ///
    /// `body` reads each batch's logits. In training mode, batch k moves BatchNorm's running statistics 1/k
    /// of the way (a cumulative average). In evaluation, where every example's outputs are its own, a
    /// batch is `evaluationRows` long at most.
    @discardableResult
    func forEachBatch(
        _ split: Dataset.Split, batchSize: Int, training: Bool, parallelism: Parallelism,
        _ body: (NetworkState, _ start: Int, _ rows: Int) -> Void
    ) -> NetworkState {
        let batchSize = training ? batchSize : Self.evaluationRows(program, batchSize: batchSize)
        let features = architecture.input.features
        let state = NetworkState(network: self, batchCapacity: max(1, min(batchSize, split.count)), training: false)
        var k = 0
        split.inputs.withUnsafeBufferPointer { inputs in
            guard let x = inputs.baseAddress else { return }
            for start in stride(from: 0, to: split.count, by: batchSize) {
                let rows = min(batchSize, split.count - start)
                k += 1
                state.forward(
                    batch: rows, training: training, momentum: 1 / Double(k), inputs: x + start * features,
                    parallelism: parallelism)
                body(state, start, rows)
            }
        }
        return state
    }

    /// Examples per forward pass in evaluation: at least 16, at most `batchSize`.
    ///
    /// As many as keep the program's widest buffer within `evaluationBytes`, so that each layer reads its
    /// input from cache instead of memory. Each example's outputs do not depend on the examples beside it,
    /// so neither do the results. Measured (`Network.measure` at several batch sizes, 2026-12-05): the VGG
    /// of `lmc bench` evaluated 6,900 examples/s on one core in batches of 500 and 9,800 in batches of 32;
    /// a 784-512³-10 MLP is at its best from 128 to 1,000.
    package static func evaluationRows(_ program: LayerProgram, batchSize: Int) -> Int {
        let widest = max(1, program.buffers.map(\.size).max() ?? 1) * MemoryLayout<Float>.size
        return min(batchSize, max(16, evaluationBytes / widest))
    }

    /// 1 MiB: a core's L2 on the machines this was measured on.
    package static let evaluationBytes = 1 << 20
}
