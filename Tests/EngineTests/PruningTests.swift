import Testing
import Engine

@Suite struct PruningTests {
    static let sizes = [20, 32, 32, 4]

    @Test("global magnitude pruning removes exactly the smallest kept weights; biases are never pruned")
    func prunesSmallest() throws {
        let network = Network(program: try Fixtures.mlp(Self.sizes), seed: 4)
        let once = PruningMask.dense(network).pruning(network, rate: 0.2, output: .prune)
        let twice = once.pruning(network, rate: 0.2, output: .prune)
        let total = network.prunableWeights.reduce(0) { $0 + $1.tensor.count }
        #expect(abs(once.density(output: .prune) - 0.8) < 1.0 / Double(total))
        #expect(abs(twice.density(output: .prune) - 0.64) < 2.0 / Double(total))
        // Every pruned magnitude is at most every kept one.
        var pruned: [Float] = [], kept: [Float] = []
        for (weight, mask) in zip(network.prunableWeights, once.layers) {
            for (w, m) in zip(weight.tensor.scalars, mask) { if m == 0 { pruned.append(abs(w)) } else { kept.append(abs(w)) } }
        }
        #expect((pruned.max() ?? 0) <= (kept.min() ?? 1))
        let applied = once.applied(to: network)
        #expect(network.tensors.keys.filter { $0.hasSuffix(".bias") }.allSatisfy { applied.tensors[$0] == network.tensors[$0] })
    }

    @Test("the output layer is kept, or pruned at half rate, when asked")
    func outputLayer() throws {
        let network = Network(program: try Fixtures.mlp(Self.sizes), seed: 4)
        let kept = PruningMask.dense(network).pruning(network, rate: 0.5, output: .keep)
        #expect(kept.layers.last?.allSatisfy { $0 == 1 } == true)
        #expect(abs(kept.density(output: .keep) - 0.5) < 0.01)
        let half = PruningMask.dense(network).pruning(network, rate: 0.5, output: .half)
        let output = half.layers.last ?? []
        #expect(abs(Double(output.filter { $0 == 1 }.count) / Double(output.count) - 0.75) < 0.01)
    }

    @Test("masked training keeps pruned weights exactly zero and trains the rest")
    func maskedTraining() throws {
        let data = Fixtures.dataset()
        let network = Network(program: try Fixtures.mlp(Self.sizes), seed: 5)
        let mask = PruningMask.dense(network).pruning(network, rate: 0.6, output: .half)
        let trained = try Trainer.train(
            network.program, seed: 5, recipe: Fixtures.recipe(epochs: 2), data: data.train, parallelism: .serial,
            resume: (network, 0), mask: mask)
        for (weight, keep) in zip(trained.final.prunableWeights, mask.layers) {
            #expect(zip(weight.tensor.scalars, keep).allSatisfy { $1 == 1 || $0 == 0 })
        }
        let moved = zip(
            trained.final.tensors["fc1.weight"]?.scalars ?? [], network.tensors["fc1.weight"]?.scalars ?? []
        ).filter { $0 != $1 }
        #expect(moved.count > 0)
        #expect(trained.final.measure(on: data.test, parallelism: .serial).error < 0.5)
    }

    @Test(
        "conv nets: pruning ranks kernels and classifier together, masked training keeps pruned weights zero",
        arguments: [Normalization.Kind.group(1), .batch])
    func maskedConvTraining(_ norm: Normalization.Kind) throws {
        let data = ConvAlignmentTests.data
        let program = try LayerProgram(ConvNetTests.resnet(norm, stages: 2, blocks: 1, classes: 4))
        let start = Network(program: program, seed: 5)
        let network = start
        let mask = PruningMask.dense(network).pruning(network, rate: 0.5, output: .half)
        let names = network.prunableWeights.map(\.name)
        #expect(names.last == "fc.weight" && names.contains("layer2.1.shortcut.conv.weight"))
        #expect(!names.contains { $0.contains("norm") || $0.hasSuffix(".bias") })
        #expect(abs(mask.density(output: .half) - 0.5) < 0.01)
        let trained = try Trainer.train(
            program, seed: 5, recipe: Fixtures.recipe(epochs: 2, batch: 32), data: data.train, parallelism: .serial,
            resume: (start, 0), mask: mask)
        for (weight, keep) in zip(trained.final.prunableWeights, mask.layers) {
            #expect(zip(weight.tensor.scalars, keep).allSatisfy { $1 == 1 || $0 == 0 }, "\(weight.name)")
        }
        let moved = zip(
            trained.final.tensors["stem.conv.weight"]?.scalars ?? [], start.tensors["stem.conv.weight"]?.scalars ?? [])
        #expect(moved.contains { $0 != $1 })
    }

    @Test("without momentum, resuming from a checkpoint reproduces the uninterrupted run bitwise")
    func resumeContinuesTheSchedule() throws {
        let data = Fixtures.dataset()
        var recipe = Fixtures.recipe(epochs: 3)
        recipe.optimizer = .sgd(momentum: 0, nesterov: false)
        recipe.checkpoints = [23]
        let program = try Fixtures.mlp(Self.sizes)
        let full = try Trainer.train(program, seed: 6, recipe: recipe, data: data.train, parallelism: .serial)
        let checkpoint = try #require(full.checkpoints.first { $0.step == 23 })
        let resumed = try Trainer.train(
            program, seed: 6, recipe: recipe, data: data.train, parallelism: .serial,
            resume: (checkpoint.network, 23))
        #expect(resumed.final.isBitwiseEqual(full.final))
        #expect(resumed.steps == full.steps)
    }
}

@Suite struct MaskTransportTests {
    @Test("a mask carried by π and back is unchanged, keeps each layer's density, and matches the permuted weights")
    func permutedMask() throws {
        let resnet = try LayerProgram(ConvNetTests.resnet(.batch, stages: 2, blocks: 2, classes: 4))
        for network in [Network(program: try Fixtures.mlp(PruningTests.sizes), seed: 8), Network(program: resnet, seed: 8)] {
            let mask = PruningMask.dense(network).pruning(network, rate: 0.5, output: .half)
            var stream = RandomStream(seed: 8, purpose: "test/perm")
            let perms = network.permutationSpec.groups.map { Permutation.random($0.size, using: &stream) }
            let carried = mask.permuted(by: perms, shapes: network)
            #expect(carried != mask)
            #expect(carried.permuted(by: perms.map(\.inverse), shapes: network) == mask)
            for (a, b) in zip(mask.layers, carried.layers) { #expect(a.reduce(0, +) == b.reduce(0, +)) }
            // Pruning a network then permuting it equals permuting it and applying the carried mask.
            let left = mask.applied(to: network).permuted(by: perms).namedTensors
            let right = carried.applied(to: network.permuted(by: perms)).namedTensors
            #expect(left.count == right.count && zip(left, right).allSatisfy { $0.tensor.isBitwiseEqual(to: $1.tensor) })
        }
    }

    @Test("a shuffled mask keeps each layer's density and is reproducible from its seed")
    func shuffledMask() throws {
        let network = Network(program: try Fixtures.mlp(PruningTests.sizes), seed: 8)
        let mask = PruningMask.dense(network).pruning(network, rate: 0.5, output: .half)
        let a = mask.shuffled(seed: 3), b = mask.shuffled(seed: 3), c = mask.shuffled(seed: 4)
        #expect(a == b && a != c && a != mask)
        for (x, y) in zip(mask.layers, a.layers) { #expect(x.reduce(0, +) == y.reduce(0, +)) }
    }
}
