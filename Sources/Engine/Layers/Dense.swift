/// A fully connected layer y = x·Wᵀ + b (optionally followed by ReLU), forward and backward.
///
/// Weights are `[out, in]` as in PyTorch. Shapes below: x is `batch × in`, y and dy are `batch × out`.
enum Dense {
    /// y = x·Wᵀ + b (b = 0 when nil), then max(·, 0) when `relu`.
    ///
    /// - Precondition: a fused ReLU comes with a bias.
    static func forward(
        x: UnsafePointer<Float>, batch: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        inputs: Int, outputs: Int, relu: Bool, y: UnsafeMutablePointer<Float>, workspace: GemmWorkspace,
        parallelism: Parallelism
    ) {
        Gemm.multiply(
            m: batch, n: outputs, k: inputs,
            a: .init(base: x, ld: inputs, transposed: false),
            b: .init(base: weight, ld: inputs, transposed: true),
            c: y, ldc: outputs, epilogue: epilogue(bias: bias, relu: relu), workspace: workspace, parallelism: parallelism)
    }

    private static func epilogue(bias: UnsafePointer<Float>?, relu: Bool) -> Gemm.Epilogue {
        guard let bias else {
            precondition(!relu, "a fused ReLU needs a bias")
            return .none
        }
        return relu ? .biasReLU(bias) : .bias(bias)
    }

    /// Gradients of a layer given dL/dy.
    ///
    /// dW = dyᵀ·x and db = Σ_rows dy (when `dWeight`, and `dBias`, are given: a chunked training step
    /// leaves them to `parameterGradients` over the whole batch), and (when `dx` is given) dx = dy·W,
    /// zeroed where `reluOutput` (laid out like dx) is ≤ 0 when given: the backward of a ReLU before the
    /// layer. Column sums for db run in row order, so they are deterministic.
    static func backward(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, weight: UnsafePointer<Float>,
        inputs: Int, outputs: Int, dWeight: UnsafeMutablePointer<Float>?, dBias: UnsafeMutablePointer<Float>?,
        dx: UnsafeMutablePointer<Float>?, reluOutput: UnsafePointer<Float>? = nil, workspace: GemmWorkspace,
        parallelism: Parallelism
    ) {
        if let dWeight {
            parameterGradients(
                dy: dy, x: x, batch: batch, inputs: inputs, outputs: outputs, dWeight: dWeight, dBias: dBias,
                workspace: workspace, parallelism: parallelism)
        }
        guard let dx else { return }
        inputGradient(
            dy: dy, batch: batch, weight: weight, inputs: inputs, outputs: outputs, dx: dx, reluOutput: reluOutput,
            workspace: workspace, parallelism: parallelism)
    }

    /// dW = dyᵀ·x and db = Σ_rows dy (when `dBias` is given), one sum over all `batch` rows each.
    static func parameterGradients(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, batch: Int, inputs: Int, outputs: Int,
        dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?, workspace: GemmWorkspace,
        parallelism: Parallelism
    ) {
        Gemm.multiply(
            m: outputs, n: inputs, k: batch,
            a: .init(base: dy, ld: outputs, transposed: true),
            b: .init(base: x, ld: inputs, transposed: false),
            c: dWeight, ldc: inputs, workspace: workspace, parallelism: parallelism)
        if let dBias { biasGradient(dy: dy, rows: batch, columns: outputs, into: dBias) }
    }

    /// db[o] = Σ_rows dy[row, o] (overwritten), in row order: a linear layer's, or a convolution's over
    /// its output positions.
    static func biasGradient(dy: UnsafePointer<Float>, rows: Int, columns: Int, into dBias: UnsafeMutablePointer<Float>) {
        for o in 0..<columns { dBias[o] = 0 }
        for r in 0..<rows {
            let row = dy + r * columns
            for o in 0..<columns { dBias[o] += row[o] }
        }
    }

    /// dx = dy·W, zeroed where `reluOutput` is ≤ 0 when given.
    ///
    /// Each row of dx is its own row of dy's, so rows computed a few at a time are the same bits.
    private static func inputGradient(
        dy: UnsafePointer<Float>, batch: Int, weight: UnsafePointer<Float>, inputs: Int, outputs: Int,
        dx: UnsafeMutablePointer<Float>, reluOutput: UnsafePointer<Float>?, workspace: GemmWorkspace,
        parallelism: Parallelism
    ) {
        Gemm.multiply(
            m: batch, n: inputs, k: outputs,
            a: .init(base: dy, ld: outputs, transposed: false),
            b: .init(base: weight, ld: inputs, transposed: false),
            c: dx, ldc: inputs, epilogue: reluOutput.map { .reluGate($0) } ?? .none, workspace: workspace,
            parallelism: parallelism)
    }
}
