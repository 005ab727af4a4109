import Engine
import Foundation
import Testing

/// Each normalisation against a Double oracle of its definition: the forward pass directly, dx, dγ and dβ
/// through central differences of the oracle (loss = Σ r·f(x), r random); GroupNorm with any number of
/// groups as PyTorch's `nn.GroupNorm`, bitwise independent of the thread count, its group count checked.
@Suite struct NormalizationTests {
    /// Forward and backward of `kind` on 3 samples of `positions` rows of `c` channels against the oracle.
    static func check(_ kind: Normalization.Kind, channels c: Int, positions: Int) {
        let n = 3
        let shape = Normalization.Shape(rows: n * positions, channels: c, positionsPerSample: positions)
        let x = Fixtures.matrix(n * positions, c, seed: 7, purpose: "x").map { $0 * 2 + 0.5 }
        let gamma = Fixtures.matrix(1, c, seed: 8, purpose: "g").map { $0 + 1.5 }
        let beta = Fixtures.matrix(1, c, seed: 9, purpose: "b")
        let r = Fixtures.matrix(n * positions, c, seed: 10, purpose: "r")
        var y = [Float](repeating: 0, count: x.count)
        var mean = [Float](repeating: 0, count: shape.statistics(kind)), inverse = mean
        var dx = [Float](repeating: .nan, count: x.count), dg = [Float](repeating: .nan, count: c), db = dg
        Normalization.forward(kind, x: x, shape: shape, gamma: gamma, beta: beta, y: &y, mean: &mean, inverseDeviation: &inverse)
        Normalization.backward(
            kind, dy: r, x: x, shape: shape, gamma: gamma, mean: mean, inverseDeviation: inverse, dx: &dx, dGamma: &dg,
            dBeta: &db)
        // Which elements (NHWC, e = (sample · positions + position) · c + channel) are normalised together:
        // a sample's group of channels g·c/G ..< (g + 1)·c/G at every position, a position, or a channel.
        let set = { (e: Int) -> Int in
            switch kind {
            case .group(let groups): (e / (positions * c)) * groups + (e % c) / (c / groups)
            case .layer: e / c
            case .batch: e % c
            }
        }
        // Mean and biased variance over each set, then γ·x̂ + β per channel (ε = 1e-5, as PyTorch).
        let oracle = { (x: [Double], gamma: [Double], beta: [Double]) -> [Double] in
            var sums: [Int: (Double, Double, Double)] = [:]
            for e in x.indices { sums[set(e), default: (0, 0, 0)].0 += x[e]; sums[set(e), default: (0, 0, 0)].2 += 1 }
            for e in x.indices {
                let (s, _, k) = sums[set(e)] ?? (0, 0, 1)
                let d = x[e] - s / k
                sums[set(e)]?.1 += d * d
            }
            return x.indices.map { e in
                let (s, q, k) = sums[set(e)] ?? (0, 0, 1)
                return gamma[e % c] * (x[e] - s / k) / (q / k + 1e-5).squareRoot() + beta[e % c]
            }
        }
        let (xd, gd, bd) = (x.map(Double.init), gamma.map(Double.init), beta.map(Double.init))
        // Float32 against Double on values of order 1: a few ULPs of error accumulate over each set.
        #expect(Fixtures.maxScaledError(y, oracle(xd, gd, bd)) < 1e-5, "\(kind) forward, \(c) channels")
        Fixtures.expectGradient(dx, at: x, r: r, oracle: { oracle($0, gd, bd) }, "\(kind) dx, \(c) channels")
        Fixtures.expectGradient(dg, at: gamma, r: r, oracle: { oracle(xd, $0, bd) }, "\(kind) dγ, \(c) channels")
        Fixtures.expectGradient(db, at: beta, r: r, oracle: { oracle(xd, gd, $0) }, "\(kind) dβ, \(c) channels")
    }

    /// 5 channels: one partial group of lanes; 16: two whole groups of eight (the paired loops); 19: two
    /// whole groups and a partial one.
    @Test(
        "each normalisation's forward, dx, dγ and dβ match its oracle",
        arguments: [Normalization.Kind.group(1), .layer, .batch], [5, 16, 19])
    func normalisation(_ kind: Normalization.Kind, channels c: Int) {
        Self.check(kind, channels: c, positions: 4)
    }

    /// 12 channels (eight lanes and a partial four) in 1, 2, 3 (two groups share the first eight lanes)
    /// and 12 groups (InstanceNorm); 20 channels in 4 groups of 5 (groups straddle lanes); 19 in 19; 16
    /// and 24 channels (whole lane blocks only: the fast loops) in 4, 3 and 16 groups.
    @Test(
        "GroupNorm with G groups matches PyTorch's definition: forward, dx, dγ and dβ on 2×3 positions",
        arguments: [(12, 1), (12, 2), (12, 3), (12, 12), (20, 4), (19, 19), (16, 4), (24, 3), (16, 16)])
    func groupNorm(channels: Int, groups: Int) {
        Self.check(.group(groups), channels: channels, positions: 6)
    }

    @Test(
        "GroupNorm's outputs, statistics and gradients are bitwise identical on 1 and 2 threads",
        arguments: [1, 3, 12], [false, true])
    func groupNormThreadIndependence(groups: Int, relu: Bool) {
        let (n, positions, c) = (5, 9, 12)
        let kind = Normalization.Kind.group(groups)
        let shape = Normalization.Shape(rows: n * positions, channels: c, positionsPerSample: positions)
        let x = Fixtures.matrix(n * positions, c, seed: 11, purpose: "x").map { $0 * 3 - 1 }
        let gamma = Fixtures.matrix(1, c, seed: 12, purpose: "g"), beta = Fixtures.matrix(1, c, seed: 13, purpose: "b")
        let dy = Fixtures.matrix(n * positions, c, seed: 14, purpose: "dy")
        let results = [1, 2].map { threads -> [[Float]] in
            let parallelism = Parallelism(threads: threads)
            var y = [Float](repeating: 0, count: x.count)
            var mean = [Float](repeating: 0, count: shape.statistics(kind)), inverse = mean
            var dx = y, dg = gamma, db = gamma
            Normalization.forward(
                kind, x: x, shape: shape, gamma: gamma, beta: beta, y: &y, mean: &mean, inverseDeviation: &inverse,
                relu: relu, parallelism: parallelism)
            Normalization.backward(
                kind, dy: dy, x: x, shape: shape, gamma: gamma, mean: mean, inverseDeviation: inverse, dx: &dx,
                dGamma: &dg, dBeta: &db, parallelism: parallelism)
            return [y, mean, inverse, dx, dg, db]
        }
        #expect(results[0][1].count == n * groups)
        for (one, two) in zip(results[0], results[1]) {
            #expect(one.count == two.count && zip(one, two).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
    }

    /// 5 channels: a partial group of lanes only; 12: one whole group and a partial one; 16: a pair of
    /// whole groups (the paired sums); 24: a pair and a single whole group.
    @Test(
        "a norm's backward through a fused ReLU's output equals the ReLU's backward, then the norm's, bit for bit",
        arguments: [Normalization.Kind.group(1), .group(4), .layer, .batch], [5, 12, 16, 24])
    func fusedReLUBackward(_ kind: Normalization.Kind, channels c: Int) {
        if case .group(let groups) = kind, c % groups != 0 { return }
        let (n, positions) = (3, 7)
        let shape = Normalization.Shape(rows: n * positions, channels: c, positionsPerSample: positions)
        let x = Fixtures.matrix(n * positions, c, seed: 21, purpose: "x").map { $0 * 2 - 0.3 }
        let gamma = Fixtures.matrix(1, c, seed: 22, purpose: "g"), beta = Fixtures.matrix(1, c, seed: 23, purpose: "b")
        let dy = Fixtures.matrix(n * positions, c, seed: 24, purpose: "dy")
        var y = [Float](repeating: 0, count: x.count)
        var mean = [Float](repeating: 0, count: shape.statistics(kind)), inverse = mean
        Normalization.forward(
            kind, x: x, shape: shape, gamma: gamma, beta: beta, y: &y, mean: &mean, inverseDeviation: &inverse, relu: true)
        #expect(y.contains(0) && y.contains { $0 > 0 }, "the ReLU is off somewhere and on somewhere")
        func backward(_ dy: [Float], reluOutput: [Float]?) -> [[Float]] {
            var dx = [Float](repeating: .nan, count: x.count), dg = [Float](repeating: .nan, count: c), db = dg
            let run = { (output: UnsafePointer<Float>?) in
                Normalization.backward(
                    kind, dy: dy, reluOutput: output, x: x, shape: shape, gamma: gamma, mean: mean,
                    inverseDeviation: inverse, dx: &dx, dGamma: &dg, dBeta: &db, parallelism: Parallelism(threads: 2))
            }
            if let reluOutput { reluOutput.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
            return [dx, dg, db]
        }
        let fused = backward(dy, reluOutput: y)
        let separate = backward(zip(y, dy).map { $0 > 0 ? $1 : 0 }, reluOutput: nil)
        #expect(!fused[0].contains { $0.isNaN })
        for (a, b) in zip(fused, separate) {
            #expect(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(kind), \(c) channels")
        }
    }

    @Test(
        "a layer program accepts exactly the group counts that divide its input's channels",
        arguments: Array(-1...13) + [24])
    func groupCountChecked(groups: Int) {
        var architecture = Architecture(input: ImageShape(channels: 1, height: 4, width: 4), layers: [])
        architecture.append("conv", .conv(channels: 12, kernel: 3, stride: 1, padding: 1, bias: false))
        architecture.append("gn", .norm(.group(groups)))
        architecture.append("pool", .globalAveragePool)
        architecture.append("flat", .flatten)
        architecture.append("fc", .linear(outputs: 3, bias: true))
        do {
            _ = try LayerProgram(architecture)
            #expect(groups >= 1 && 12 % groups == 0, "accepted \(groups) groups of 12 channels")
        } catch {
            #expect(error.layer == 1)
            let expected =
                groups < 1
                ? "layer 'gn': GroupNorm needs at least one group; got \(groups)"
                : "layer 'gn': GroupNorm with \(groups) groups needs a channel count divisible by \(groups); "
                    + "its input has 12 channels"
            #expect(error.message == expected)
            #expect(groups < 1 || 12 % groups != 0, "rejected \(groups) groups of 12 channels")
        }
    }

    @Test("a norm kind is stored as a string: batch, layer, group for one group, group/G; nothing else reads")
    func kindCoding() throws {
        let kinds: [Normalization.Kind] = [.batch, .layer, .group(1), .group(2), .group(32)]
        let encoded = try JSONEncoder().encode(kinds)
        #expect(String(decoding: encoded, as: UTF8.self) == #"["batch","layer","group","group\/2","group\/32"]"#)
        #expect(try JSONDecoder().decode([Normalization.Kind].self, from: encoded) == kinds)
        // What architectures stored before group counts existed still reads.
        let stored = Data(#"{"norm":{"_0":"group"}}"#.utf8)
        #expect(try JSONDecoder().decode(Architecture.Operation.self, from: stored) == .norm(.group(1)))
        for bad in ["group/1", "group/0", "group/-2", "group/08", "group/", "group/x", "instance", "Group", ""] {
            #expect(throws: DecodingError.self, "\(bad)") {
                try JSONDecoder().decode([Normalization.Kind].self, from: Data(#"["\#(bad)"]"#.utf8))
            }
        }
    }
}
