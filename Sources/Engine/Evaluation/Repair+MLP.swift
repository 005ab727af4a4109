extension Repair {
    /// The statistics of every hidden pre-activation (the outputs of `fc1` … `fcN−1`) of an MLP on
    /// `inputs`, input side first.
    public static func statistics(of network: MLP, on inputs: Dataset.Split, parallelism: Parallelism) -> [Statistics] {
        var result: [Statistics] = []
        var h = inputs.inputs
        for layer in network.layers.dropLast() {
            let z = preActivation(h, layer, rows: inputs.count, parallelism: parallelism)
            result.append(channelStatistics(z, rows: inputs.count, width: layer.outputs))
            h = z.map { max($0, 0) }
        }
        return result
    }

    /// An MLP with each hidden layer's units rescaled to `targets`, as measured on `inputs`: unit c's
    /// row of the weight and its bias become s·w and s·b + t (s = σ*/σ, t = μ* − μ·s), layer by layer,
    /// all examples at once.
    ///
    /// - Precondition: one target per hidden layer, each as wide as the layer.
    public static func repair(_ network: MLP, toward targets: [Statistics], on inputs: Dataset.Split, parallelism: Parallelism)
        -> MLP
    {
        precondition(targets.count == network.layers.count - 1, "one target per hidden layer")
        var repaired = network
        var h = inputs.inputs
        for (l, target) in zip(repaired.layers.indices, targets) {
            let layer = repaired.layers[l]
            precondition(target.mean.count == layer.outputs, "a target of the wrong width")
            let measured = channelStatistics(
                preActivation(h, layer, rows: inputs.count, parallelism: parallelism), rows: inputs.count, width: layer.outputs)
            var weight = layer.weight.scalars, bias = layer.bias.scalars
            let rowLength = layer.inputs
            for c in 0..<layer.outputs {
                let (scale, shift) = correction(c, measured: measured, target: target)
                for e in c * rowLength..<(c + 1) * rowLength { weight[e] *= scale }
                bias[c] = bias[c] * scale + shift
            }
            repaired.layers[l] = MLP.Layer(
                weight: Tensor(shape: layer.weight.shape, scalars: weight), bias: Tensor(shape: layer.bias.shape, scalars: bias))
            // The layer again with its folded parameters, for the next layer to read.
            h = preActivation(h, repaired.layers[l], rows: inputs.count, parallelism: parallelism).map { max($0, 0) }
        }
        return repaired
    }

    /// x·Wᵀ + b for `rows` examples.
    private static func preActivation(_ x: [Float], _ layer: MLP.Layer, rows: Int, parallelism: Parallelism) -> [Float] {
        var z = Gemm.product(
            x, layer.weight.scalars, m: rows, n: layer.outputs, k: layer.inputs, transposeB: true, parallelism: parallelism)
        let bias = layer.bias.scalars
        for r in 0..<rows { for c in 0..<layer.outputs { z[r * layer.outputs + c] += bias[c] } }
        return z
    }

    private static func channelStatistics(_ z: [Float], rows: Int, width: Int) -> Statistics {
        var sums = [Double](repeating: 0, count: 2 * width)
        z.withUnsafeBufferPointer { values in
            if let base = values.baseAddress { accumulate(base, positions: rows, channels: width, into: &sums) }
        }
        return statistics(sums, count: rows, channels: width)
    }
}
