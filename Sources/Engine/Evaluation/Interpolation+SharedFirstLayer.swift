extension Interpolation {
    /// The index of the operation whose output is linear in the mixing weights, if any.
    ///
    /// That is the first operation with parameters, when it is a per-sample linear layer (nothing before
    /// it has parameters, so its input is the same at every point). Nil for a network that starts with a
    /// convolution, whose outputs would be large to keep per batch for the little they save.
    package static func sharedFirstLayer(_ program: LayerProgram) -> Int? {
        let owners = Set(program.parameters.map(\.layer))
        guard let first = program.architecture.layers.firstIndex(where: { owners.contains($0.name) }),
            case .linear = program.architecture.layers[first].operation
        else { return nil }
        return first
    }

    /// Examples per pass of the shared route; results do not depend on it.
    ///
    /// Every pass mixes each point's weights into the state again, so passes are long, `fullPass`
    /// examples, unless a buffer of that many would pass `passBytes` (wide networks); never fewer than
    /// `batchSize`.
    package static func rowsPerPass(_ program: LayerProgram, batchSize: Int) -> Int {
        let widest = max(1, program.buffers.map(\.size).max() ?? 1)
        return max(batchSize, min(fullPass, passBytes / (widest * MemoryLayout<Float>.size)))
    }

    static let fullPass = 2048
    /// 8 MB: the 784-512³-10 MLP gets the full 2,048 rows; a 4096-wide one, 512.
    static let passBytes = 1 << 23

    /// `measure` with operation `shared`'s output at each point mixed from the ends' outputs.
    ///
    /// One pass over each split: per batch, the ends run through `shared` once, then every point runs the
    /// rest of the network on its mix Σ_i w_i·y_i (summed as `combination` sums weights). Memory: one
    /// state per end and one for the points, each for `rowsPerPass` examples.
    package static func measure(
        _ ends: [Network], sharingOutputOf shared: Int, at points: [[Double]], on splits: [Dataset.Split],
        rowsPerPass: Int, parallelism: Parallelism
    ) -> [[Metrics]] {
        let program = ends[0].program
        let features = ends[0].architecture.input.features
        let capacity = max(1, min(rowsPerPass, splits.map(\.count).max() ?? 1))
        let endStates = ends.map { NetworkState(network: $0, batchCapacity: capacity, training: false, fusingReLU: false) }
        let point = NetworkState(network: ends[0], batchCapacity: capacity, training: false)
        let skipping: Set = [program.architecture.layers[shared].name]
        let output = program.operations[shared].to
        let size = program.buffers[output].size
        let weights = points.map { $0.map(Float.init) }
        return splits.map { split in
            var tallies = [MetricsTally](repeating: MetricsTally(), count: points.count)
            split.inputs.withUnsafeBufferPointer { inputs in
                guard let x = inputs.baseAddress else { return }
                for start in stride(from: 0, to: split.count, by: capacity) {
                    let rows = min(capacity, split.count - start)
                    let batch = x + start * features
                    for state in endStates {
                        state.forward(batch: rows, training: false, through: shared, inputs: batch, parallelism: parallelism)
                    }
                    let products = endStates.map { SharedReadPointer(base: UnsafePointer($0.activations[output])) }
                    for (p, w) in weights.enumerated() {
                        point.load(combining: ends, weights: w, skipping: skipping)
                        point.forward(batch: rows, replacingOutputOf: shared, inputs: batch, parallelism: parallelism) {
                            y, relu in
                            let mix = SharedPointer(base: y)
                            NetworkState.elementwise(rows, size, parallelism) { r in
                                let y = mix.base + r.lowerBound
                                y.update(repeating: 0, count: r.count)
                                for (product, wi) in zip(products, w) {
                                    accumulate(wi, product.base + r.lowerBound, into: y, count: r.count)
                                }
                                if relu { for e in 0..<r.count { y[e] = max(y[e], 0) } }
                            }
                        }
                        tallies[p].add(
                            logits: point.logits, rows: rows, classes: program.classes, labels: split.labels, start: start)
                    }
                }
            }
            return tallies.map { $0.metrics(count: split.count) }
        }
    }
}
