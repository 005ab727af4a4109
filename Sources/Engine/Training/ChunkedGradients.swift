/// How a training step of a small convolutional net runs: each thread takes its own run of the batch's
/// samples through forward, loss and backward, a chunk of a few images at a time.
///
/// A whole-batch step splits every layer among the threads, which then meet at every layer (a few
/// dozen times per step for a ResNet-20), and streams every layer's activations for the whole batch
/// through memory; here the threads meet once per step, and a chunk's activations stay in its core's
/// cache. The convolutions' weights are re-laid out and packed once per step for all chunks
/// (`packedWeights`). The sums over samples that a whole-batch step splits in fixed pieces are kept
/// apart here too and added in the same order afterwards (`NetworkState.parameterGradients`): a
/// convolution's weight gradient per piece of `Convolution.imagesPerGradientPiece` images, a norm's dγ and
/// dβ per sample; a linear layer's product runs once over the whole batch. So the gradients are the same
/// bits.
///
/// Taken by programs with at least one convolution, made of the layers of convolutional nets whose
/// parameter gradients are split as above (convolutions, group and layer norms, ReLU, pooling, flatten,
/// residual adds, linear layers), and whose partials fit in `partialBytes`. BatchNorm's statistics are
/// the batch's; transformers' layers keep whole-batch steps.
final class ChunkedGradients {
    /// Per convolution: one weight-gradient partial per piece of images, window-major, one after another.
    let convolutionPartials: [Int: UnsafeMutablePointer<Float>]
    /// Per norm: each sample's Σ dy·x̂ and Σ dy per channel.
    let normPartials: [Int: UnsafeMutablePointer<Double>]
    /// Per convolution that is not pointwise: its weights as its forward pass reads them, and its dx's
    /// (flipped) when it needs dx and dx is a convolution (`Convolution.inputGradientConvolution`); written
    /// at the start of each step.
    let packedWeights: [Int: (forward: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?)]
    /// Pieces of images per chunk: what keeps the widest buffer's rows within `chunkBytes`.
    let piecesPerChunk: Int
    /// Per buffer: whether a chunk's samples stay at their own rows of it.
    ///
    /// Those are the input (filled for the whole batch before the step), the buffers the step reads after
    /// its chunks (a linear layer's input and output, a biased convolution's output), the logits (whose
    /// gradient a linear layer reads), and the buffers that share these' memory. Every other buffer holds
    /// each chunk at its run's first rows: a run's chunks reuse one stretch of it, which stays in cache,
    /// instead of streaming the whole batch's buffer.
    let keptRows: [Bool]

    /// At most this much memory for the partials; a larger net's layers are long enough per sample anyway.
    static let partialBytes = 64 << 20

    /// - Parameter chunkBytes: the widest buffer's size for a chunk's samples, at most (or one piece of
    ///   images): a core's cache.
    /// - Parameter sources: buffers that are another buffer's memory, by that buffer (`NetworkState`).
    init?(
        _ program: LayerProgram, operations: [(layer: Architecture.Layer, from: Int, to: Int)], batchCapacity: Int,
        chunkBytes: Int, sources: [Int: Int]
    ) {
        let pieces = Convolution.gradientPieces(batchCapacity)
        var convolutions: [Int: Int] = [:], norms: [Int: Int] = [:], packed: [Int: (Int, Int?)] = [:]
        for (i, (layer, from, _)) in operations.enumerated() {
            let input = program.buffers[from]
            switch layer.operation {
            case .conv(let channels, let kernel, let stride, let padding, _):
                let g = program.convolutionGeometry(from: from, batch: 1, channels, kernel, stride, padding)
                convolutions[i] = pieces * channels * g.depth
                let dx = program.needsGradient[from] ? Convolution.inputGradientConvolution(g) : nil
                if !g.isPointwise { packed[i] = (Convolution.packedWeightCount(g), dx.map(Convolution.packedWeightCount)) }
            case .norm(.group), .norm(.layer):
                norms[i] = batchCapacity * 2 * input.channels
            case .relu, .maxPool, .averagePool, .globalAveragePool, .flatten, .add, .linear:
                continue
            case .norm(.batch), .gelu, .tokenLinear, .positionEmbedding, .attention:
                return nil
            }
        }
        let floats = convolutions.values.reduce(0, +)
        guard !convolutions.isEmpty,
            floats * MemoryLayout<Float>.size + norms.values.reduce(0, +) * MemoryLayout<Double>.size <= Self.partialBytes
        else { return nil }
        convolutionPartials = convolutions.mapValues { .allocate(capacity: $0) }
        normPartials = norms.mapValues { .allocate(capacity: $0) }
        packedWeights = packed.mapValues { (.allocate(capacity: $0.0), $0.1.map { .allocate(capacity: $0) }) }
        let widest = max(1, program.buffers.map(\.size).max() ?? 1) * MemoryLayout<Float>.size
        piecesPerChunk = max(1, chunkBytes / widest / Convolution.imagesPerGradientPiece)
        var kept: Set<Int> = [0, program.buffers.count - 1]
        for (layer, from, to) in operations {
            switch layer.operation {
            case .linear: kept.formUnion([from, to])
            case .conv(_, _, _, _, bias: true): kept.insert(to)
            default: continue
            }
        }
        // A buffer that is another's memory keeps its rows where that one does.
        for (b, source) in sources where kept.contains(b) { kept.insert(source) }
        for (b, source) in sources where kept.contains(source) { kept.insert(b) }
        keptRows = program.buffers.indices.map(kept.contains)
    }

    deinit {
        convolutionPartials.values.forEach { $0.deallocate() }
        normPartials.values.forEach { $0.deallocate() }
        packedWeights.values.forEach { ($0.forward.deallocate(), $0.inputGradient?.deallocate()) }
    }

    /// The batch's samples as one run of chunks per thread (pieces of images shared out evenly, in order),
    /// or nil when one whole-batch pass would be the same: one thread and one chunk.
    func runs(batch: Int, threads: Int) -> [[Range<Int>]]? {
        let pieces = Convolution.gradientPieces(batch), size = Convolution.imagesPerGradientPiece
        let count = max(1, min(threads, pieces))
        guard count > 1 || pieces > piecesPerChunk else { return nil }
        return (0..<count).map { g in
            let run = g * pieces / count..<(g + 1) * pieces / count
            return stride(from: run.lowerBound, to: run.upperBound, by: piecesPerChunk).map { first in
                first * size..<min(batch, min(run.upperBound, first + piecesPerChunk) * size)
            }
        }
    }

    /// The state, handed to the threads of a chunked step: each touches its own samples' rows and its own
    /// lane only, and the state's other members are not changed while they run.
    struct SharedState: @unchecked Sendable {
        let state: NetworkState
    }
}
