/// The buffers of one training run, allocated once: flat parameters, gradients, velocities, activations.
///
/// Layout of the flat vectors: for each layer, its weight (`out × in`) then its bias. Confined to the
/// thread that trains; freed on deinit.
package final class TrainingState {
    let sizes: [Int]
    let batchCapacity: Int
    package let parameterCount: Int
    package let weightOffsets: [Int]
    package let biasOffsets: [Int]
    package let parameters: UnsafeMutablePointer<Float>
    package let gradients: UnsafeMutablePointer<Float>
    let velocity: UnsafeMutablePointer<Float>
    /// Layer outputs, `batchCapacity × sizes[l + 1]` each; the last holds logits, then their gradient.
    let outputs: [UnsafeMutablePointer<Float>]
    /// dL/d(output of layer l) for hidden layers.
    let outputGradients: [UnsafeMutablePointer<Float>]
    package let batchInputs: UnsafeMutablePointer<Float>
    package let batchLabels: UnsafeMutablePointer<Int32>
    let workspace = GemmWorkspace()

    package init(network: MLP, batchCapacity: Int) {
        sizes = network.sizes
        self.batchCapacity = batchCapacity
        var offset = 0
        var w: [Int] = [], b: [Int] = []
        for layer in network.layers {
            w.append(offset)
            offset += layer.weight.count
            b.append(offset)
            offset += layer.bias.count
        }
        weightOffsets = w
        biasOffsets = b
        parameterCount = offset
        let parameters = UnsafeMutablePointer<Float>.allocate(capacity: offset)
        self.parameters = parameters
        gradients = .allocate(capacity: offset)
        velocity = .allocate(capacity: offset)
        velocity.initialize(repeating: 0, count: offset)
        gradients.initialize(repeating: 0, count: offset)
        let flat = network.flatParameters
        flat.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { parameters.initialize(from: base, count: offset) }
        }
        outputs = sizes.dropFirst().map { UnsafeMutablePointer<Float>.allocate(capacity: batchCapacity * $0) }
        outputGradients = sizes.dropFirst().map { UnsafeMutablePointer<Float>.allocate(capacity: batchCapacity * $0) }
        batchInputs = .allocate(capacity: batchCapacity * sizes[0])
        batchLabels = .allocate(capacity: batchCapacity)
    }

    deinit {
        parameters.deallocate()
        gradients.deallocate()
        velocity.deallocate()
        outputs.forEach { $0.deallocate() }
        outputGradients.forEach { $0.deallocate() }
        batchInputs.deallocate()
        batchLabels.deallocate()
    }

    /// The current parameters as a network.
    package func snapshot() -> MLP {
        MLP(
            layers: (0..<sizes.count - 1).map { l in
                let fanIn = sizes[l], fanOut = sizes[l + 1]
                let w = Array(UnsafeBufferPointer(start: parameters + weightOffsets[l], count: fanOut * fanIn))
                let b = Array(UnsafeBufferPointer(start: parameters + biasOffsets[l], count: fanOut))
                return MLP.Layer(weight: Tensor(shape: [fanOut, fanIn], scalars: w), bias: Tensor(shape: [fanOut], scalars: b))
            })
    }

    /// Zeroes the gradients of pruned weights, so that (with zero velocity and zero weights) they stay zero.
    package func maskWeightGradients(_ mask: PruningMask) {
        for (l, keep) in mask.layers.enumerated() {
            let g = gradients + weightOffsets[l]
            for i in keep.indices { g[i] *= keep[i] }
        }
    }

    /// Forward, loss and backward on the `batch` examples already copied into `batchInputs`/`batchLabels`;
    /// leaves gradients of the mean loss in `gradients` and returns the summed loss.
    package func computeGradients(batch: Int, parallelism: Parallelism) -> Double {
        let layers = sizes.count - 1
        for l in 0..<layers {
            Dense.forward(
                x: l == 0 ? batchInputs : outputs[l - 1], batch: batch,
                weight: parameters + weightOffsets[l], bias: parameters + biasOffsets[l],
                inputs: sizes[l], outputs: sizes[l + 1], relu: l < layers - 1, y: outputs[l],
                workspace: workspace, parallelism: parallelism)
        }
        let loss = SoftmaxCrossEntropy.lossAndGradient(
            logits: outputs[layers - 1], labels: batchLabels,
            batch: batch, classes: sizes[layers])
        for l in stride(from: layers - 1, through: 0, by: -1) {
            Dense.backward(
                dy: l == layers - 1 ? outputs[l] : outputGradients[l],
                x: l == 0 ? batchInputs : outputs[l - 1], batch: batch,
                weight: parameters + weightOffsets[l], inputs: sizes[l], outputs: sizes[l + 1],
                dWeight: gradients + weightOffsets[l], dBias: gradients + biasOffsets[l],
                dx: l > 0 ? outputGradients[l - 1] : nil, reluOutput: l > 0 ? outputs[l - 1] : nil,
                workspace: workspace, parallelism: parallelism)
        }
        return loss
    }
}
