/// How a training step of a small convolutional net runs: each thread takes its own run of the batch's
/// samples through forward, loss and backward, a chunk of a few images at a time.
///
/// A whole-batch step streams every layer's activations for 128 images through memory and meets the
/// other threads at every layer; a chunk's activations stay in its core's cache, and the threads meet
/// once per step. The sums over samples that a whole-batch step splits in fixed pieces are kept apart
/// here too and added in the same order afterwards (`NetworkState.parameterGradients`): a convolution's
/// weight gradient per piece of `Convolution.imagesPerGradientPiece` images, a norm's dγ and dβ per
/// sample; a linear layer's product runs once over the whole batch. So the gradients are the same bits.
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
    /// Pieces of images per chunk: what keeps the widest buffer's rows within a core's cache.
    let piecesPerChunk: Int

    /// At most this much memory for the partials; a larger net's layers are long enough per sample anyway.
    static let partialBytes = 64 << 20

    init?(_ program: LayerProgram, operations: [(layer: Architecture.Layer, from: Int, to: Int)], batchCapacity: Int) {
        let pieces = Convolution.gradientPieces(batchCapacity)
        var convolutions: [Int: Int] = [:], norms: [Int: Int] = [:]
        for (i, (layer, from, _)) in operations.enumerated() {
            let input = program.buffers[from]
            switch layer.operation {
            case .conv(let channels, let kernel, _, _, _):
                convolutions[i] = pieces * channels * kernel * kernel * input.channels
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
        let widest = max(1, program.buffers.map(\.size).max() ?? 1) * MemoryLayout<Float>.size
        piecesPerChunk = max(1, Network.evaluationBytes / widest / Convolution.imagesPerGradientPiece)
    }

    deinit {
        convolutionPartials.values.forEach { $0.deallocate() }
        normPartials.values.forEach { $0.deallocate() }
    }

    /// The batch's samples as one run of chunks per thread (pieces shared out evenly, in order), or nil
    /// when one whole-batch pass would be the same: one thread and one chunk.
    func groups(batch: Int, threads: Int) -> [[Range<Int>]]? {
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
