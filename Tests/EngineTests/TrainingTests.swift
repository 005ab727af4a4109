import Testing
import Engine

@Suite struct TrainingTests {
    @Test("training is bitwise identical on 1, 2 and 3 threads", arguments: [2, 3])
    func bitwiseAcrossThreads(threads: Int) throws {
        // Sizes above the GEMM's parallel threshold, so the threaded path really runs.
        let data = Fixtures.dataset(features: 64, train: 512)
        let sizes = [64, 128, 128, 4]
        let serial = try Trainer.train(
            try Fixtures.mlp(sizes), seed: 1, recipe: Fixtures.recipe(epochs: 2, batch: 64), data: data.train,
            parallelism: .serial)
        let parallel = try Trainer.train(
            try Fixtures.mlp(sizes), seed: 1, recipe: Fixtures.recipe(epochs: 2, batch: 64), data: data.train,
            parallelism: Parallelism(threads: threads))
        #expect(serial.final.isBitwiseEqual(parallel.final))
    }

    @Test("training learns: test error falls far below chance")
    func learns() throws {
        let data = Fixtures.dataset()
        let before = Network(program: try Fixtures.mlp([20, 64, 64, 4]), seed: 2).measure(on: data.test, parallelism: .serial)
        let trained = try Trainer.train(
            try Fixtures.mlp([20, 64, 64, 4]), seed: 2, recipe: Fixtures.recipe(epochs: 8), data: data.train,
            parallelism: .serial)
        let after = trained.final.measure(on: data.test, parallelism: .serial)
        #expect(after.loss < before.loss / 2)
        #expect(after.error < 0.35, "chance is 0.75; got \(after.error)")
    }

    @Test("different seeds give different networks; the same seed the same network")
    func seedsMatter() throws {
        let data = Fixtures.dataset()
        let recipe = Fixtures.recipe(epochs: 1)
        let a = try Trainer.train(
            try Fixtures.mlp([20, 16, 4]), seed: 1, recipe: recipe, data: data.train, parallelism: .serial)
        let b = try Trainer.train(
            try Fixtures.mlp([20, 16, 4]), seed: 1, recipe: recipe, data: data.train, parallelism: .serial)
        let c = try Trainer.train(
            try Fixtures.mlp([20, 16, 4]), seed: 2, recipe: recipe, data: data.train, parallelism: .serial)
        #expect(a.final.isBitwiseEqual(b.final) && !a.final.isBitwiseEqual(c.final))
    }

    @Test("checkpoints are kept at the requested steps")
    func checkpoints() throws {
        let data = Fixtures.dataset(train: 320)
        var recipe = Fixtures.recipe(epochs: 2, batch: 32)
        recipe.checkpoints = [0, 5, 20, 999]
        let trained = try Trainer.train(
            try Fixtures.mlp([20, 8, 4]), seed: 1, recipe: recipe, data: data.train, parallelism: .serial)
        #expect(trained.steps == 20)
        #expect(trained.checkpoints.map(\.step) == [0, 5, 20])
        #expect(trained.checkpoints[0].network == Network(program: try Fixtures.mlp([20, 8, 4]), seed: 1))
        #expect(trained.checkpoints[2].network == trained.final)
    }

    @Test("a diverging run stops with the step where the loss became non-finite")
    func divergence() {
        let data = Fixtures.dataset()
        #expect(throws: DivergenceError.self) {
            try Trainer.train(
                try Fixtures.mlp([20, 64, 4]), seed: 1, recipe: Fixtures.recipe(epochs: 3, lr: 1e30), data: data.train,
                parallelism: .serial)
        }
    }

    /// A small residual conv net with BatchNorm on 3×12×12 images, and RGB data for it.
    static func convSetup() throws -> (program: LayerProgram, data: Dataset) {
        let shape = ImageShape(channels: 3, height: 12, width: 12)
        var data = Dataset.synthetic(
            features: shape.features, classes: 3, trainCount: 96, testCount: 12, noise: 1, seed: 5, shape: shape)
        data.standardizePerChannel()
        let program = try LayerProgram(.resnet(input: shape, stages: 2, blocks: 1, width: 8, norm: .batch, classes: 3))
        return (program, data)
    }

    @Test("with augmentation a conv net trains to other weights, bitwise identical on 1 and 2 threads")
    func augmentedConvNet() throws {
        let (program, data) = try Self.convSetup()
        var recipe = Fixtures.recipe(epochs: 2, batch: 32)
        let plain = try Trainer.train(program, seed: 1, recipe: recipe, data: data.train, parallelism: .serial)
        recipe.augmentation = Augmentation(crop: 2, flip: true)
        let serial = try Trainer.train(program, seed: 1, recipe: recipe, data: data.train, parallelism: .serial)
        let parallel = try Trainer.train(
            program, seed: 1, recipe: recipe, data: data.train, parallelism: Parallelism(threads: 2))
        #expect(!serial.final.isBitwiseEqual(plain.final))
        #expect(serial.final.isBitwiseEqual(parallel.final))
    }

    @Test("flipping mirror-symmetric images changes nothing: the order of examples is untouched")
    func flipKeepsOrder() throws {
        let (program, data) = try Self.convSetup()
        // Each image averaged with its mirror image: x + y == y + x exactly, so it is its own mirror.
        var symmetric = data.train
        let (w, c, features) = (12, 3, 12 * 12 * 3)
        for n in 0..<symmetric.count {
            for y in 0..<12 {
                for x in 0..<w {
                    for k in 0..<c {
                        let a = data.train.inputs[n * features + (y * w + x) * c + k]
                        let b = data.train.inputs[n * features + (y * w + w - 1 - x) * c + k]
                        symmetric.inputs[n * features + (y * w + x) * c + k] = (a + b) / 2
                    }
                }
            }
        }
        var recipe = Fixtures.recipe(epochs: 1, batch: 32)
        let plain = try Trainer.train(program, seed: 1, recipe: recipe, data: symmetric, parallelism: .serial)
        recipe.augmentation = Augmentation(flip: true)
        let flipped = try Trainer.train(program, seed: 1, recipe: recipe, data: symmetric, parallelism: .serial)
        recipe.augmentation = Augmentation(crop: 1, flip: true)
        let cropped = try Trainer.train(program, seed: 1, recipe: recipe, data: symmetric, parallelism: .serial)
        #expect(flipped.final.isBitwiseEqual(plain.final))
        #expect(!cropped.final.isBitwiseEqual(plain.final), "a crop does change the data")
    }

    @Test("a rewound run augments each step as the uninterrupted run does")
    func resumedAugmentation() throws {
        let (program, data) = try Self.convSetup()
        var recipe = Fixtures.recipe(epochs: 2, batch: 32)
        recipe.augmentation = Augmentation(crop: 2, flip: true)
        recipe.checkpoints = [4]
        // A resumed run restarts momentum at zero, so both runs go without it.
        recipe.optimizer = .sgd(momentum: 0, nesterov: false)
        let whole = try Trainer.train(program, seed: 3, recipe: recipe, data: data.train, parallelism: .serial)
        let start = try #require(whole.checkpoints.first { $0.step == 4 })
        let resumed = try Trainer.train(
            program, seed: 3, recipe: recipe, data: data.train, parallelism: .serial, resume: (start.network, 4))
        #expect(resumed.final.isBitwiseEqual(whole.final))
    }

    @Test("the schedule warms up linearly then decays to zero")
    func schedule() {
        var recipe = Fixtures.recipe(epochs: 2, lr: 1)
        recipe.warmupEpochs = 1
        #expect(recipe.learningRate(step: 0, total: 20, stepsPerEpoch: 10) == 0.1)
        #expect(recipe.learningRate(step: 9, total: 20, stepsPerEpoch: 10) == 1)
        #expect(recipe.learningRate(step: 10, total: 20, stepsPerEpoch: 10) == 1)
        #expect(abs(recipe.learningRate(step: 19, total: 20, stepsPerEpoch: 10) - 0.1) < 1e-12)
        recipe.decay = .cosine
        #expect(abs(recipe.learningRate(step: 15, total: 20, stepsPerEpoch: 10) - 0.5) < 1e-12)
    }
}
