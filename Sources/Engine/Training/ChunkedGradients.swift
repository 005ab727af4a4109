/// How a training step of a small convolutional net runs on several threads: each thread takes its own
/// run of the batch's samples through forward, loss and backward.
///
/// A whole-batch step splits every layer among the threads, which then meet at every layer (a few
/// dozen times per step for a ResNet-20); here they meet once per step. The sums over samples that a
/// whole-batch step splits in fixed pieces are kept apart here too and added in the same order
/// afterwards (`NetworkState.parameterGradients`): a convolution's weight gradient per piece of
/// `Convolution.imagesPerGradientPiece` images, a norm's dγ and dβ per sample; a linear layer's product
/// runs once over the whole batch. So the gradients are the same bits. On one thread a step is one run
/// of the whole batch, as before.
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
    }

    deinit {
        convolutionPartials.values.forEach { $0.deallocate() }
        normPartials.values.forEach { $0.deallocate() }
    }

    /// The batch's samples as one run per thread (pieces of images shared out evenly, in order), or nil
    /// for one thread (or one piece): the whole-batch step.
    func runs(batch: Int, threads: Int) -> [Range<Int>]? {
        let pieces = Convolution.gradientPieces(batch), size = Convolution.imagesPerGradientPiece
        let count = min(threads, pieces)
        guard count > 1 else { return nil }
        return (0..<count).map { g in g * pieces / count * size..<min(batch, (g + 1) * pieces / count * size) }
    }

    /// The state, handed to the threads of a chunked step: each touches its own samples' rows and its own
    /// lane only, and the state's other members are not changed while they run.
    struct SharedState: @unchecked Sendable {
        let state: NetworkState
    }
}
