/// Inference passes over many examples, in batches, reusing one set of buffers.
extension MLP {
    /// Runs the network on `count` examples in batches of `batchSize`, handing each batch's layer outputs to
    /// `body(firstExample, rows, outputs)`; `outputs[l]` is `rows × sizes[l + 1]`, the last being logits.
    ///
    /// Each example's outputs do not depend on the batch it is in: GEMM rows are computed independently.
    func forEachBatch(
        inputs: UnsafePointer<Float>, count: Int, batchSize: Int, parallelism: Parallelism,
        _ body: (Int, Int, [UnsafeMutablePointer<Float>]) -> Void
    ) {
        let sizes = self.sizes
        let capacity = max(1, min(batchSize, count))
        let outputs = sizes.dropFirst().map { UnsafeMutablePointer<Float>.allocate(capacity: capacity * $0) }
        defer { outputs.forEach { $0.deallocate() } }
        let workspace = GemmWorkspace()
        for start in stride(from: 0, to: count, by: capacity) {
            let rows = min(capacity, count - start)
            for (l, layer) in layers.enumerated() {
                layer.weight.scalars.withUnsafeBufferPointer { w in
                    layer.bias.scalars.withUnsafeBufferPointer { b in
                        guard let w = w.baseAddress, let b = b.baseAddress else { return }
                        Dense.forward(
                            x: l == 0 ? inputs + start * sizes[0] : UnsafePointer(outputs[l - 1]),
                            batch: rows, weight: w, bias: b, inputs: sizes[l], outputs: sizes[l + 1],
                            relu: l < layers.count - 1, y: outputs[l], workspace: workspace,
                            parallelism: parallelism)
                    }
                }
            }
            body(start, rows, outputs)
        }
    }

    /// Logits for every example, `count × classes`.
    public func logits(_ split: Dataset.Split, batchSize: Int = 1000, parallelism: Parallelism) -> [Float] {
        let classes = sizes.last ?? 0
        var result = [Float](repeating: 0, count: split.count * classes)
        split.inputs.withUnsafeBufferPointer { x in
            guard let x = x.baseAddress else { return }
            forEachBatch(inputs: x, count: split.count, batchSize: batchSize, parallelism: parallelism) { start, rows, outputs in
                for i in 0..<rows * classes { result[start * classes + i] = outputs[outputs.count - 1][i] }
            }
        }
        return result
    }

    /// Post-ReLU activations of every hidden layer, each `count × width`.
    public func hiddenActivations(_ split: Dataset.Split, batchSize: Int = 1000, parallelism: Parallelism) -> [[Float]] {
        let widths = Array(sizes.dropFirst().dropLast())
        var result = widths.map { [Float](repeating: 0, count: split.count * $0) }
        split.inputs.withUnsafeBufferPointer { x in
            guard let x = x.baseAddress else { return }
            forEachBatch(inputs: x, count: split.count, batchSize: batchSize, parallelism: parallelism) { start, rows, outputs in
                for (h, width) in widths.enumerated() {
                    result[h].withUnsafeMutableBufferPointer { dst in
                        guard let base = dst.baseAddress else { return }
                        (base + start * width).update(from: outputs[h], count: rows * width)
                    }
                }
            }
        }
        return result
    }
}
