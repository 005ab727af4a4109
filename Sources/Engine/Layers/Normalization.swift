/// Normalisation layers on NHWC activations, each followed by a per-channel affine (γ, β), forward and
/// backward. Statistics are accumulated in Double, in a fixed order.
///
/// - `group`: GroupNorm with one group: each sample normalised over all its positions and channels.
/// - `layer`: LayerNorm over the channels at each position.
/// - `batch`: BatchNorm: each channel normalised over the batch and positions (running statistics kept
///   for evaluation, as PyTorch: momentum 0.1, unbiased running variance).
package enum Normalization {
    package enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case group, layer, batch
    }

    package static let epsilon = 1e-5

    /// Shapes: `rows` positions (batch × height × width) of `channels` each; `positionsPerSample` for `group`.
    package struct Shape: Sendable, Hashable {
        package var rows: Int
        package var channels: Int
        package var positionsPerSample: Int

        package init(rows: Int, channels: Int, positionsPerSample: Int) {
            self.rows = rows
            self.channels = channels
            self.positionsPerSample = positionsPerSample
        }

        /// For `group` and `layer`: the contiguous runs of elements normalised together.
        func segmentLength(_ kind: Kind) -> Int { kind == .group ? positionsPerSample * channels : channels }
    }

    /// y = γ·x̂ + β. Writes the statistics backward needs: per segment (group, layer) or per channel (batch),
    /// the mean and 1/σ. For `batch` in training, `running` is updated; in evaluation it is used instead.
    package static func forward(
        _ kind: Kind, x: UnsafePointer<Float>, shape: Shape, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, inverseDeviation: UnsafeMutablePointer<Float>,
        running: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)? = nil, training: Bool = true
    ) {
        let c = shape.channels
        if kind == .batch {
            if training {
                channelStatistics(x, shape, mean: mean, inverseDeviation: inverseDeviation, running: running)
            } else if let running {
                for ch in 0..<c {
                    mean[ch] = running.mean[ch]
                    inverseDeviation[ch] = Float(1 / (Double(running.variance[ch]) + epsilon).squareRoot())
                }
            }
            for r in 0..<shape.rows {
                for ch in 0..<c {
                    let i = r * c + ch
                    y[i] = gamma[ch] * ((x[i] - mean[ch]) * inverseDeviation[ch]) + beta[ch]
                }
            }
            return
        }
        let length = shape.segmentLength(kind)
        for s in 0..<(shape.rows * c / length) {
            let base = s * length
            var sum = 0.0
            for i in 0..<length { sum += Double(x[base + i]) }
            let m = sum / Double(length)
            var squares = 0.0
            for i in 0..<length {
                let d = Double(x[base + i]) - m
                squares += d * d
            }
            let inv = 1 / (squares / Double(length) + epsilon).squareRoot()
            mean[s] = Float(m)
            inverseDeviation[s] = Float(inv)
            for i in 0..<length {
                let ch = i % c
                y[base + i] = gamma[ch] * ((x[base + i] - Float(m)) * Float(inv)) + beta[ch]
            }
        }
    }

    /// dx (overwritten), dγ and dβ (overwritten) from dy, with the statistics forward wrote.
    package static func backward(
        _ kind: Kind, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, shape: Shape, gamma: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>
    ) {
        let c = shape.channels
        var gammaSums = [Double](repeating: 0, count: c), betaSums = [Double](repeating: 0, count: c)
        if kind == .batch {
            // dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) per channel over all rows.
            var sumD = [Double](repeating: 0, count: c), sumDX = [Double](repeating: 0, count: c)
            for r in 0..<shape.rows {
                for ch in 0..<c {
                    let i = r * c + ch
                    let xhat = Double((x[i] - mean[ch]) * inverseDeviation[ch])
                    let d = Double(dy[i])
                    betaSums[ch] += d
                    gammaSums[ch] += d * xhat
                    sumD[ch] += d * Double(gamma[ch])
                    sumDX[ch] += d * Double(gamma[ch]) * xhat
                }
            }
            let count = Double(shape.rows)
            for r in 0..<shape.rows {
                for ch in 0..<c {
                    let i = r * c + ch
                    let xhat = Double((x[i] - mean[ch]) * inverseDeviation[ch])
                    let d = Double(dy[i]) * Double(gamma[ch])
                    dx[i] = Float(Double(inverseDeviation[ch]) * (d - sumD[ch] / count - xhat * sumDX[ch] / count))
                }
            }
        } else {
            let length = shape.segmentLength(kind)
            for s in 0..<(shape.rows * c / length) {
                let base = s * length
                var sumD = 0.0, sumDX = 0.0
                for i in 0..<length {
                    let ch = i % c
                    let xhat = Double((x[base + i] - mean[s]) * inverseDeviation[s])
                    let d = Double(dy[base + i])
                    betaSums[ch] += d
                    gammaSums[ch] += d * xhat
                    sumD += d * Double(gamma[ch])
                    sumDX += d * Double(gamma[ch]) * xhat
                }
                let count = Double(length)
                for i in 0..<length {
                    let ch = i % c
                    let xhat = Double((x[base + i] - mean[s]) * inverseDeviation[s])
                    let d = Double(dy[base + i]) * Double(gamma[ch])
                    dx[base + i] = Float(Double(inverseDeviation[s]) * (d - sumD / count - xhat * sumDX / count))
                }
            }
        }
        for ch in 0..<c {
            dGamma[ch] = Float(gammaSums[ch])
            dBeta[ch] = Float(betaSums[ch])
        }
    }

    /// Per-channel batch mean and 1/σ (biased variance, as used to normalise); updates the running
    /// statistics with momentum 0.1 and the unbiased variance.
    private static func channelStatistics(
        _ x: UnsafePointer<Float>, _ shape: Shape, mean: UnsafeMutablePointer<Float>,
        inverseDeviation: UnsafeMutablePointer<Float>,
        running: (mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>)?
    ) {
        let c = shape.channels, count = Double(shape.rows)
        var sums = [Double](repeating: 0, count: c)
        for r in 0..<shape.rows { for ch in 0..<c { sums[ch] += Double(x[r * c + ch]) } }
        var squares = [Double](repeating: 0, count: c)
        for r in 0..<shape.rows {
            for ch in 0..<c {
                let d = Double(x[r * c + ch]) - sums[ch] / count
                squares[ch] += d * d
            }
        }
        for ch in 0..<c {
            let m = sums[ch] / count, variance = squares[ch] / count
            mean[ch] = Float(m)
            inverseDeviation[ch] = Float(1 / (variance + epsilon).squareRoot())
            if let running {
                let unbiased = count > 1 ? squares[ch] / (count - 1) : variance
                running.mean[ch] = Float(0.9 * Double(running.mean[ch]) + 0.1 * m)
                running.variance[ch] = Float(0.9 * Double(running.variance[ch]) + 0.1 * unbiased)
            }
        }
    }
}
