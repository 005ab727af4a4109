import Engine
import Foundation
var d = try Dataset.loadIDX(directory: "/usr/share/datasets/fashion-mnist")
d.standardize()
let threads = Int(CommandLine.arguments.dropFirst().first ?? "2") ?? 2
let recipe = TrainingRecipe(learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: false, batchSize: 128, epochs: 1, warmupEpochs: 0.5, decay: .linear, checkpoints: [])
let t0 = Date()
let net = try Trainer.train(sizes: [784, 512, 512, 512, 10], seed: 1, recipe: recipe, data: d.train, parallelism: Parallelism(threads: threads))
let dt = Date().timeIntervalSince(t0)
print("train samples/s", Double(d.train.count) / dt, dt)
let t1 = Date()
let m = net.final.measure(on: d.test, parallelism: Parallelism(threads: threads))
print("eval", m, Double(d.test.count) / Date().timeIntervalSince(t1))
