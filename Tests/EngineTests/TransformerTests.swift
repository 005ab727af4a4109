import Engine
import Foundation
import Testing

/// Transformer layers (per-token linear layers, position embeddings, multi-head attention): gradients
/// against a Double oracle, PyTorch's logits, the permutation symmetries of a ViT, thread independence.
@Suite struct TransformerTests {
    // The attention program's sizes: tokens, input channels, width, heads, classes.
    static let (tokens, channels, width, heads, classes) = (5, 4, 6, 2, 3)

    /// Position embedding, q/k/v projections, 2-head attention, an output projection, GELU, the mean over
    /// tokens and a classifier, on 5 tokens of 4 features (the input image is 4×1×5).
    static func attentionProgram() throws -> LayerProgram {
        var a = Architecture(input: ImageShape(channels: channels, height: 1, width: tokens), layers: [])
        let x = a.append("pos", .positionEmbedding)
        let qkv = ["q", "k", "v"].map { a.append($0, .tokenLinear(outputs: width, bias: true), inputs: [x]) }
        a.append("attn", .attention(heads: heads), inputs: qkv)
        a.append("proj", .tokenLinear(outputs: width, bias: true))
        a.append("gelu", .gelu)
        a.append("pool", .globalAveragePool)
        a.append("head", .linear(outputs: classes, bias: true))
        return try LayerProgram(a)
    }

    /// The mean cross-entropy of `attentionProgram` in Double, parameters in state-dict order.
    static func oracleLoss(_ p: [Double], x: [Float], labels: [Int32]) -> Double {
        var at = 0
        func take(_ n: Int) -> [Double] {
            defer { at += n }
            return Array(p[at..<at + n])
        }
        let pos = take(tokens * channels)
        let (q, k, v) = (
            (take(width * channels), take(width)), (take(width * channels), take(width)),
            (take(width * channels), take(width))
        )
        let proj = (take(width * width), take(width)), head = (take(classes * width), take(classes))
        func apply(_ layer: ([Double], [Double]), _ rows: [[Double]]) -> [[Double]] {
            let inputs = rows[0].count
            return rows.map { r in
                layer.1.indices.map { o in (0..<inputs).reduce(layer.1[o]) { $0 + layer.0[o * inputs + $1] * r[$1] } }
            }
        }
        let d = width / heads
        var total = 0.0
        for (n, label) in labels.enumerated() {
            let xs = (0..<tokens).map { t in
                (0..<channels).map { Double(x[(n * tokens + t) * channels + $0]) + pos[t * channels + $0] }
            }
            let (qs, ks, vs) = (apply(q, xs), apply(k, xs), apply(v, xs))
            var attended = [[Double]](repeating: [Double](repeating: 0, count: width), count: tokens)
            for h in 0..<heads {
                for i in 0..<tokens {
                    let scores = (0..<tokens).map { j in
                        (0..<d).reduce(0.0) { $0 + qs[i][h * d + $1] * ks[j][h * d + $1] } / Double(d).squareRoot()
                    }
                    let largest = scores.max() ?? 0
                    let e = scores.map { exp($0 - largest) }
                    let sum = e.reduce(0, +)
                    for j in 0..<tokens { for c in 0..<d { attended[i][h * d + c] += e[j] / sum * vs[j][h * d + c] } }
                }
            }
            let hidden = apply(proj, attended).map { $0.map(GELUTests.gelu) }
            let pooled = (0..<width).map { c in hidden.reduce(0.0) { $0 + $1[c] } / Double(tokens) }
            let logits = apply(head, [pooled])[0]
            let largest = logits.max() ?? 0
            total += largest + log(logits.reduce(0.0) { $0 + exp($1 - largest) }) - logits[Int(label)]
        }
        return total / Double(labels.count)
    }

    @Test("the loss and every parameter's gradient through attention match a Double oracle")
    func attentionMatchesOracle() throws {
        let program = try Self.attentionProgram()
        let network = try ConvNetTests.randomNetwork(program.architecture, seed: 4)
        let batch = 3
        let x = Fixtures.matrix(batch, Self.tokens * Self.channels, seed: 4, purpose: "x")
        let labels: [Int32] = [2, 0, 1]
        let state = NetworkState(network: network, batchCapacity: batch, training: true)
        state.batchInputs.update(from: x, count: x.count)
        state.batchLabels.update(from: labels, count: batch)
        let loss = state.computeGradients(batch: batch, parallelism: .serial) / Double(batch)
        let params = network.namedTensors.flatMap(\.tensor.scalars).map(Double.init)
        #expect(params.count == state.parameterCount)
        let expected = Self.oracleLoss(params, x: x, labels: labels)
        #expect(abs(loss - expected) <= 1e-5 * max(1, expected), "\(loss) vs \(expected)")
        let h = 1e-5
        var largest = 0.0
        for i in params.indices {
            var plus = params, minus = params
            plus[i] += h
            minus[i] -= h
            let numeric = (Self.oracleLoss(plus, x: x, labels: labels) - Self.oracleLoss(minus, x: x, labels: labels)) / (2 * h)
            let analytic = Double(state.gradients[i])
            largest = max(largest, abs(numeric))
            #expect(abs(analytic - numeric) <= 1e-4 + 1e-3 * abs(numeric), "parameter \(i): \(analytic) vs \(numeric)")
        }
        #expect(largest > 1e-2, "the gradients are not all vanishing")
    }

    static let vitImage = ImageShape(channels: 1, height: 8, width: 8)
    static let vit = Architecture.vit(input: vitImage, patch: 4, width: 8, depth: 2, heads: 2, hidden: 12, classes: 3)

    @Test("a ViT's groups: the residual stream, and per block the MLP's hidden units, q/k and v/proj within heads")
    func vitGroups() throws {
        let spec = try LayerProgram(Self.vit).permutationSpec
        let names = spec.groups.map(\.name)
        #expect(
            Set(names) == [
                "stream1", "blocks.0.attn.qk", "blocks.0.attn.vo", "blocks.0.mlp.fc1", "blocks.1.attn.qk",
                "blocks.1.attn.vo", "blocks.1.mlp.fc1",
            ])
        let stream = try #require(spec.groups.first { $0.name == "stream1" })
        let streamMembers = Set(stream.members.map { "\($0.tensor)@\($0.axis)" })
        #expect(
            streamMembers.isSuperset(of: [
                "patch_embed.weight@0", "pos_embed.weight@1", "blocks.0.norm1.weight@0", "blocks.1.attn.q.weight@1",
                "blocks.1.attn.proj.weight@0", "blocks.0.mlp.fc2.bias@0", "norm.bias@0", "head.weight@1",
            ]))
        let qk = try #require(spec.groups.first { $0.name == "blocks.1.attn.qk" })
        #expect(
            Set(qk.members.map(\.tensor)) == [
                "blocks.1.attn.q.weight", "blocks.1.attn.q.bias", "blocks.1.attn.k.weight", "blocks.1.attn.k.bias",
            ])
        #expect(qk.parts == 2 && qk.exchangeableParts && qk.coupling == "blocks.1.attn.heads")
        let vo = try #require(spec.groups.first { $0.name == "blocks.1.attn.vo" })
        #expect(
            Set(vo.members.map { "\($0.tensor)@\($0.axis)" }) == [
                "blocks.1.attn.v.weight@0", "blocks.1.attn.v.bias@0", "blocks.1.attn.proj.weight@1",
            ])
        #expect(vo.parts == 2 && vo.exchangeableParts && vo.coupling == "blocks.1.attn.heads")
        #expect(spec.groups.filter { $0.coupling != nil }.count == 4)
        #expect(
            spec.solveSets.filter { $0.count == 2 }.map { $0.map { spec.groups[$0].name } } == [
                ["blocks.0.attn.qk", "blocks.0.attn.vo"], ["blocks.1.attn.qk", "blocks.1.attn.vo"],
            ])
    }

    static func logitDifference(_ a: Network, _ b: Network, _ images: [Float]) -> Float {
        let (x, y) = (ConvNetTests.logits(a, images, batch: 3), ConvNetTests.logits(b, images, batch: 3))
        return zip(x, y).map { abs($0 - $1) }.max() ?? .infinity
    }

    /// `group`'s permutation replaced in `permutations`, every other group left as given.
    static func with(_ permutations: [Permutation], _ spec: PermutationSpec, _ name: String, _ p: Permutation) -> [Permutation] {
        zip(spec.groups, permutations).map { $0.name == name ? p : $1 }
    }

    @Test("random permutations of every ViT group keep the logits; q without k, or heads exchanged in q/k alone, do not")
    func vitPermutations() throws {
        let network = try ConvNetTests.randomNetwork(Self.vit, seed: 9)
        let images = Fixtures.matrix(3, 64, seed: 10, purpose: "images")
        let spec = network.permutationSpec
        var stream = RandomStream(seed: 11, purpose: "perms")
        let random = spec.randomPermutations(using: &stream)
        #expect(spec.admits(random))
        #expect(random.allSatisfy { $0 != Permutation(identity: $0.count) })
        let scale = ConvNetTests.logits(network, images, batch: 3).map(abs).max() ?? 0
        #expect(Self.logitDifference(network, network.permuted(by: random), images) <= 1e-5 * max(1, scale))

        // Queries permuted, keys not: a grouping that leaves k out changes the function.
        var broken = network.tensors
        let swap = try #require(Permutation([1, 0] + Array(2..<8)))
        for name in ["blocks.0.attn.q.weight", "blocks.0.attn.q.bias"] {
            broken[name] = try #require(broken[name]).permuted(axis: 0, by: swap)
        }
        #expect(Self.logitDifference(network, Network(program: network.program, tensors: broken), images) > 1e-3)

        // Whole heads exchanged: in both of a block's sets it is a symmetry; in q/k alone it is not.
        let heads = try #require(Permutation([4, 5, 6, 7, 0, 1, 2, 3]))
        let identity = spec.groups.map { Permutation(identity: $0.size) }
        let both = Self.with(Self.with(identity, spec, "blocks.0.attn.qk", heads), spec, "blocks.0.attn.vo", heads)
        #expect(Self.logitDifference(network, network.permuted(by: both), images) <= 1e-5 * max(1, scale))
        let alone = Self.with(identity, spec, "blocks.0.attn.qk", heads)
        #expect(Self.logitDifference(network, network.permuted(by: alone), images) > 1e-3)
        #expect(spec.admits(both))
        #expect(!spec.admits(alone), "heads are exchanged alike in q/k and v/o")
    }

    /// A ViT of 4 heads and the permutations planted in a copy of it: drawn until the first block's heads
    /// are exchanged, so recovering them needs the solver to match heads as wholes.
    static func planted() throws -> (a: Network, b: Network, planted: [Permutation]) {
        let vit = Architecture.vit(input: vitImage, patch: 4, width: 16, depth: 2, heads: 4, hidden: 16, classes: 3)
        let a = try ConvNetTests.randomNetwork(vit, seed: 14)
        let spec = a.permutationSpec
        let qk = try #require(spec.groups.firstIndex { $0.name == "blocks.0.attn.qk" })
        for index in 0..<100 {
            var stream = RandomStream(seed: 15, purpose: "planted", index: UInt64(index))
            let planted = spec.randomPermutations(using: &stream)
            if planted[qk].indices[0] / 4 != 0 { return (a, a.permuted(by: planted), planted) }
        }
        throw PlantingFailed()
    }

    struct PlantingFailed: Error {}

    @Test("weight matching and activation matching undo a planted ViT permutation that exchanges heads")
    func plantedHeads() throws {
        let (a, b, planted) = try Self.planted()
        let wm = try WeightMatching.align(b, to: a, maxSweeps: 50, seed: 1, parallelism: .serial)
        #expect(ConvAlignmentTests.recovers(wm.permutations, b, a), "weight matching")
        #expect(wm.permutations != planted.map { Permutation(identity: $0.count) })
        let images = Fixtures.matrix(64, 64, seed: 16, purpose: "images")
        let inputs = Dataset.Split(inputs: images, labels: [Int32](repeating: 0, count: 64))
        let am = try ActivationMatching.align(b, to: a, inputs: inputs, similarity: .correlation, parallelism: .serial)
        #expect(ConvAlignmentTests.recovers(am, b, a), "activation matching")
    }

    @Test("a ViT training step's gradients are bitwise identical on 1 and 2 threads")
    func vitThreadIndependence() throws {
        let network = try ConvNetTests.randomNetwork(Self.vit, seed: 12)
        let batch = 16
        let images = Fixtures.matrix(batch, 64, seed: 13, purpose: "images")
        func gradients(_ threads: Int) -> [Float] {
            let state = NetworkState(network: network, batchCapacity: batch, training: true)
            state.batchInputs.update(from: images, count: images.count)
            for r in 0..<batch { state.batchLabels[r] = Int32(r % 3) }
            _ = state.computeGradients(batch: batch, parallelism: Parallelism(threads: threads))
            return Array(UnsafeBufferPointer(start: state.gradients, count: state.parameterCount))
        }
        let serial = gradients(1)
        #expect(serial.contains { $0 != 0 })
        #expect(serial.map(\.bitPattern) == gradients(2).map(\.bitPattern))
    }

    @Test("a PyTorch ViT's state dict loads under lmc's names and gives PyTorch's logits")
    func matchesPyTorch() throws {
        // The committed output of `scripts/torch-vit-fixture.py`.
        let shape = try Fixtures.torchSettings("vit", "shape.txt").mapValues { Int($0) }
        let architecture = Architecture.vit(
            input: ImageShape(channels: 1, height: 28, width: 28), patch: try #require(shape["patch"]),
            width: try #require(shape["width"]), depth: try #require(shape["depth"]), heads: try #require(shape["heads"]),
            hidden: try #require(shape["hidden"]), classes: 10)
        let program = try LayerProgram(architecture)
        let weights = try Fixtures.torchTensors("vit", "weights.safetensors")
        #expect(Set(weights.keys) == Set(program.tensorShapes.map(\.name)))
        let network = try Network(program: program, tensors: weights, file: "weights.safetensors")
        let data = try Fixtures.torchTensors("vit", "data.safetensors")
        let inputs = try #require(data["inputs"]), expected = try #require(data["logits"])
        let batch = inputs.shape[0]
        let logits = ConvNetTests.logits(network, inputs.scalars, batch: batch)
        #expect(logits.count == expected.scalars.count)
        let difference = zip(logits, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference <= 1e-4, "largest logit difference \(difference)")
    }
}
