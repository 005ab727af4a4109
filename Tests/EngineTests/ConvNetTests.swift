import Engine
import Testing

/// Convolutional networks: function preserved under their derived permutations, the groups of a
/// residual net, gradients through the whole program, and thread-count independence.
@Suite struct ConvNetTests {
    static let image = ImageShape(channels: 1, height: 8, width: 8)
    /// No norm, then each kind.
    static let norms: [Normalization.Kind?] = [nil, .group(1), .layer, .batch]

    static func vgg(_ norm: Normalization.Kind?, classes: Int = 3) -> Architecture {
        .vgg(input: image, widths: [4, nil, 6, nil, 8], norm: norm, classes: classes)
    }

    /// Hidden linear layers without bias, each before a ReLU (no bias to fuse the ReLU into).
    static func unbiasedMLP(classes: Int = 3) -> Architecture {
        var a = Architecture(input: image, layers: [])
        a.append("flatten", .flatten)
        a.append("fc1", .linear(outputs: 6, bias: false))
        a.append("relu1", .relu)
        a.append("fc2", .linear(outputs: 5, bias: false))
        a.append("relu2", .relu)
        a.append("fc3", .linear(outputs: classes, bias: true))
        return a
    }

    static func resnet(_ norm: Normalization.Kind?, stages: Int = 3, blocks: Int = 2, classes: Int = 3) -> Architecture {
        .resnet(input: image, stages: stages, blocks: blocks, width: 3, norm: norm, classes: classes)
    }

    /// Every norm kind on both bodies, then GroupNorms whose groups split the channels into parts (vgg's 4, 6
    /// and 8 channels into 2; resnet's 3 channels into 3 parts of one, free, and its 6 and 12 into 3).
    static let architectures = norms.flatMap { [vgg($0), resnet($0)] } + [vgg(.group(2)), resnet(.group(3))]

    /// A network whose every tensor is random (norm scales, shifts and running statistics included), so
    /// that a permutation forgotten on any of them shows in the logits.
    static func randomNetwork(_ architecture: Architecture, seed: UInt64) throws -> Network {
        var network = Network(program: try LayerProgram(architecture), seed: seed)
        for (name, tensor) in network.tensors {
            var stream = RandomStream(seed: seed, purpose: "perturb/" + name)
            let positive = name.hasSuffix("running_var")
            network.tensors[name] = Tensor(
                shape: tensor.shape,
                scalars: tensor.scalars.map { $0 + (positive ? stream.uniform(0, 1) : stream.uniform(-0.5, 0.5)) })
        }
        return network
    }

    static func logits(_ network: Network, _ images: [Float], batch: Int, training: Bool = false, threads: Int = 1) -> [Float] {
        let state = NetworkState(network: network, batchCapacity: batch, training: false)
        state.batchInputs.update(from: images, count: images.count)
        state.forward(batch: batch, training: training, parallelism: Parallelism(threads: threads))
        return Array(UnsafeBufferPointer(start: state.logits, count: batch * network.program.classes))
    }

    @Test("evaluation runs a wide net in chunks that fit in cache, with the bits of one pass over every example")
    func chunkedEvaluation() throws {
        let input = ImageShape(channels: 1, height: 28, width: 28)
        let architecture = Architecture.vgg(input: input, widths: [16, nil, 32, nil], norm: .group(1), classes: 3)
        let network = try Self.randomNetwork(architecture, seed: 41)
        let count = 50
        let rows = Network.evaluationRows(network.program, batchSize: 500)
        #expect(rows >= 16 && rows < count / 2, "several chunks, \(rows) rows each")
        #expect(Network.evaluationRows(Benchmark.mlp, batchSize: 500) >= 128, "an MLP keeps long passes")
        let images = Fixtures.matrix(count, 784, seed: 42, purpose: "images")
        let split = Dataset.Split(inputs: images, labels: (0..<count).map { Int32($0 % 3) })
        let chunked = network.logits(split, batchSize: 500, parallelism: Parallelism(threads: 2))
        let whole = Self.logits(network, images, batch: count)
        #expect(chunked.map(\.bitPattern) == whole.map(\.bitPattern))
    }

    /// Strided convolutions and shortcuts, max pooling,
    /// biased convolutions (no norm), GroupNorm and LayerNorm; average pooling and a hidden linear layer
    /// whose ReLU the next linear layer masks.
    static let chunkedArchitectures: [Architecture] = {
        let input = ImageShape(channels: 1, height: 28, width: 28)
        var head = Architecture(input: input, layers: [])
        head.append("conv", .conv(channels: 16, kernel: 3, stride: 1, padding: 1, bias: true))
        head.append("relu", .relu)
        head.append("pool", .averagePool(kernel: 4))
        head.append("flatten", .flatten)
        head.append("fc1", .linear(outputs: 12, bias: true))
        head.append("relu1", .relu)
        head.append("fc2", .linear(outputs: 3, bias: true))
        return [head]
            + [nil, .group(1), .group(4), .layer].flatMap { norm -> [Architecture] in
                [
                    .vgg(input: input, widths: [16, nil, 32, nil], norm: norm, classes: 3),
                    .resnet(input: input, stages: 2, blocks: 1, width: 16, norm: norm, classes: 3),
                ]
            }
    }()

    @Test(
        "a training step in chunks of samples, one run of chunks per thread, gives the whole-batch step's gradients and loss, bit for bit",
        arguments: chunkedArchitectures.indices)
    func chunkedTrainingStep(_ index: Int) throws {
        let network = try Self.randomNetwork(Self.chunkedArchitectures[index], seed: UInt64(index) + 51)
        // Not a multiple of the 8-image gradient pieces: the last run is short.
        let batch = 45
        let images = Fixtures.matrix(batch, 784, seed: 52, purpose: "images")
        func step(chunkBytes: Int?, threads: Int) -> (loss: Double, gradients: [UInt32], chunked: Bool) {
            let state = NetworkState(network: network, batchCapacity: 64, training: true, chunkBytes: chunkBytes)
            state.batchInputs.update(from: images, count: images.count)
            for r in 0..<batch { state.batchLabels[r] = Int32(r % 3) }
            let loss = state.computeGradients(batch: batch, parallelism: Parallelism(threads: threads))
            let gradients = UnsafeBufferPointer(start: state.gradients, count: state.parameterCount).map(\.bitPattern)
            return (loss, gradients, state.trainsInChunks)
        }
        let whole = step(chunkBytes: nil, threads: 1)
        #expect(!whole.chunked && whole.gradients.contains { $0 != 0 })
        // 4 threads: runs of 8, 16, 8 and 13 images; 7: more threads than the 6 pieces of the batch. A
        // budget of one byte makes every chunk one piece of 8 images (the last 5); 1 MB (20 images of
        // 28×28×16 floats) makes chunks of 16 images, three on one thread.
        for (threads, chunkBytes) in [1, 2, 3, 4, 7].flatMap({ t in [(t, 1), (t, 1 << 20)] }) {
            let chunked = step(chunkBytes: chunkBytes, threads: threads)
            #expect(chunked.chunked)
            #expect(chunked.loss.bitPattern == whole.loss.bitPattern, "\(threads) threads, \(chunkBytes) bytes")
            #expect(chunked.gradients == whole.gradients, "\(threads) threads, \(chunkBytes) bytes")
        }
    }

    @Test("random permutations of every group leave the logits unchanged", arguments: architectures.indices)
    func permutationInvariance(_ index: Int) throws {
        let architecture = Self.architectures[index]
        let network = try Self.randomNetwork(architecture, seed: UInt64(index) + 1)
        let images = Fixtures.matrix(3, 64, seed: 11, purpose: "images")
        var stream = RandomStream(seed: 12, purpose: "perms")
        let spec = network.permutationSpec
        let permutations = spec.randomPermutations(using: &stream)
        #expect(permutations.contains { $0 != Permutation(identity: $0.count) })
        let before = Self.logits(network, images, batch: 3)
        let after = Self.logits(network.permuted(by: permutations), images, batch: 3)
        let difference = zip(before, after).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-4, "architecture \(index): largest logit difference \(difference)")
        // Training-mode BatchNorm uses batch statistics: also permutation-equivariant.
        let trainBefore = Self.logits(network, images, batch: 3, training: true)
        let trainAfter = Self.logits(network.permuted(by: permutations), images, batch: 3, training: true)
        #expect((zip(trainBefore, trainAfter).map { abs($0 - $1) }.max() ?? .infinity) < 1e-4)
        // And a permutation applied to only one group does change the function (the check has teeth).
        var broken = network.tensors
        let member = try #require(spec.groups.first?.members.first)
        let tensor = try #require(broken[member.tensor])
        broken[member.tensor] = tensor.permuted(
            axis: member.axis, by: try #require(Permutation([1, 0] + Array(2..<tensor.shape[member.axis]))))
        let changed = Self.logits(Network(program: network.program, tensors: broken), images, batch: 3)
        #expect((zip(before, changed).map { abs($0 - $1) }.max() ?? 0) > 1e-3)
    }

    @Test("ResNet-20 has 9 inner groups and 3 residual-stream groups; a stream holds the stem, the blocks and the shortcut")
    func resnet20Groups() throws {
        let spec = try LayerProgram(Self.resnet(.group(1), blocks: 3)).permutationSpec
        #expect(spec.groups.count == 12)
        #expect(spec.groups.filter { $0.name.hasPrefix("stream") }.map(\.name) == ["stream1", "stream2", "stream3"])
        #expect(spec.groups.filter { $0.name.hasSuffix(".conv1") }.count == 9)
        let stream2 = try #require(spec.groups.first { $0.name == "stream2" })
        let axis0 = Set(stream2.members.filter { $0.axis == 0 }.map(\.tensor))
        #expect(
            axis0.isSuperset(of: [
                "layer2.1.conv2.weight", "layer2.2.conv2.weight", "layer2.3.conv2.weight", "layer2.1.shortcut.conv.weight",
                "layer2.1.shortcut.norm.weight",
            ]))
        let stream1 = try #require(spec.groups.first { $0.name == "stream1" })
        #expect(stream1.members.contains { $0.tensor == "stem.conv.weight" && $0.axis == 0 })
        #expect(stream1.members.contains { $0.tensor == "layer2.1.shortcut.conv.weight" && $0.axis == 1 })
        let stream3 = try #require(spec.groups.first { $0.name == "stream3" })
        #expect(stream3.members.contains { $0.tensor == "fc.weight" && $0.axis == 1 } && stream3.size == 12)
    }

    /// The fused route writes only a ReLU's output (after a norm or a residual addition) and lets the norm
    /// before it do the ReLU's backward (or the linear layer after it mask); the unfused one runs every
    /// layer on its own.
    @Test(
        "gradients with ReLUs fused into the layers beside them are bitwise those without",
        arguments: [
            vgg(.group(1)), vgg(.batch), vgg(.layer), resnet(.group(1), stages: 2, blocks: 1),
            resnet(.batch, stages: 2, blocks: 1), unbiasedMLP(),
        ])
    func fusedReLUGradients(_ architecture: Architecture) throws {
        let network = try Self.randomNetwork(architecture, seed: 31)
        let batch = 4
        let images = Fixtures.matrix(batch, 64, seed: 32, purpose: "images")
        let labels: [Int32] = [2, 0, 1, 1]
        let results = [true, false].map { fusing -> [Float] in
            let state = NetworkState(network: network, batchCapacity: batch, training: true, fusingReLU: fusing)
            state.batchInputs.update(from: images, count: images.count)
            state.batchLabels.update(from: labels, count: batch)
            let loss = state.computeGradients(batch: batch, parallelism: Parallelism(threads: 2))
            return [Float(loss)] + Array(UnsafeBufferPointer(start: state.gradients, count: state.parameterCount))
        }
        #expect(results[0].contains { $0 != 0 })
        #expect(zip(results[0], results[1]).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    @Test(
        "gradients of the whole program match central differences of the loss",
        arguments: [
            vgg(.group(1)), vgg(.group(2)), resnet(nil, stages: 2, blocks: 1), resnet(.batch, stages: 2, blocks: 1),
            unbiasedMLP(), .vit(input: image, patch: 4, width: 8, depth: 1, heads: 2, hidden: 12, classes: 3),
        ])
    func networkGradient(_ architecture: Architecture) throws {
        let network = try Self.randomNetwork(architecture, seed: 21)
        let batch = 4
        let images = Fixtures.matrix(batch, 64, seed: 22, purpose: "images")
        let labels: [Int32] = [0, 2, 1, 2]
        let state = NetworkState(network: network, batchCapacity: batch, training: true)
        func loss(_ parameters: [Float]) -> Double {
            let probe = NetworkState(network: network, batchCapacity: batch, training: true)
            probe.parameters.update(from: parameters, count: parameters.count)
            probe.batchInputs.update(from: images, count: images.count)
            probe.batchLabels.update(from: labels, count: batch)
            return probe.computeGradients(batch: batch, parallelism: .serial) / Double(batch)
        }
        state.batchInputs.update(from: images, count: images.count)
        state.batchLabels.update(from: labels, count: batch)
        _ = state.computeGradients(batch: batch, parallelism: .serial)
        let parameters = Array(UnsafeBufferPointer(start: state.parameters, count: state.parameterCount))
        var stream = RandomStream(seed: 23, purpose: "which")
        // Float32 forward passes through ReLUs and max pools: a step can cross a kink, so a parameter
        // passes when central differences at one of three steps agree (a wrong gradient agrees at none).
        for _ in 0..<40 {
            let i = Int(stream.uniform(0, Float(parameters.count))) % parameters.count
            let analytic = Double(state.gradients[i])
            let numerics = [Float(3e-3), 1e-3, 3e-4].map { h in
                var plus = parameters, minus = parameters
                plus[i] += h
                minus[i] -= h
                return (loss(plus) - loss(minus)) / Double(2 * h)
            }
            let closest = numerics.min { abs($0 - analytic) < abs($1 - analytic) } ?? .nan
            #expect(
                abs(analytic - closest) <= 1e-3 + 1e-2 * abs(closest),
                "\(architecture.layers.count) layers, parameter \(i): \(analytic) vs \(numerics)")
        }
    }

    @Test("a training step's gradients are bitwise identical on 1 and 2 threads")
    func threadIndependence() throws {
        let architecture = Architecture.vgg(
            input: .init(channels: 1, height: 28, width: 28), widths: [16, nil, 32, nil, 64], norm: .group(1), classes: 10)
        let network = Network(program: try LayerProgram(architecture), seed: 3)
        let batch = 32
        let images = Fixtures.matrix(batch, 784, seed: 4, purpose: "images")
        let labels = (0..<batch).map { Int32($0 % 10) }
        var results: [[Float]] = []
        for threads in [1, 2] {
            let state = NetworkState(network: network, batchCapacity: batch, training: true)
            state.batchInputs.update(from: images, count: images.count)
            state.batchLabels.update(from: labels, count: batch)
            _ = state.computeGradients(batch: batch, parallelism: Parallelism(threads: threads))
            results.append(Array(UnsafeBufferPointer(start: state.gradients, count: state.parameterCount)))
        }
        #expect(zip(results[0], results[1]).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
}
