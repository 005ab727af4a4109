import Dispatch

/// Fixed, seeded workloads that measure the engine's speed; `lmc bench` runs them and prints a `Report`.
///
/// Each figure is the best of several repetitions after a warm-up, as the numpy and PyTorch anchors
/// measure theirs, so that ratios compare like with like.
public enum Benchmark {
    /// The JSON keys are a contract (`lmc bench --json`): keep them.
    public struct Report: Codable, Sendable {
        public struct Throughput: Codable, Sendable {
            public var samplesPerSecond: Double
            enum CodingKeys: String, CodingKey { case samplesPerSecond = "samples_per_s" }
            package init(samplesPerSecond: Double) { self.samplesPerSecond = samplesPerSecond }
        }
        public struct GemmFigure: Codable, Sendable {
            public var m: Int, n: Int, k: Int
            public var gflops: Double
            package init(m: Int, n: Int, k: Int, gflops: Double) { (self.m, self.n, self.k, self.gflops) = (m, n, k, gflops) }
        }
        public struct AssignmentTiming: Codable, Sendable {
            public var n: Int
            public var ms: Double
            package init(n: Int, ms: Double) { (self.n, self.ms) = (n, ms) }
        }
        public struct Timing: Codable, Sendable {
            public var ms: Double
            package init(ms: Double) { self.ms = ms }
        }
        public struct Rate: Codable, Sendable {
            public var gflops: Double
            package init(gflops: Double) { self.gflops = gflops }
        }

        public var threads: Int
        public var mlpTrain: Throughput
        public var mlpEval: Throughput
        public var gemm: [GemmFigure]
        public var lap: [AssignmentTiming]
        public var weightMatching: Timing
        /// The VGG-style net of the conv anchor (`[16, M, 32, M, 64, 64, M]`, GroupNorm), batch 128.
        public var convTrain: Throughput
        /// The same net's forward pass on 10,000 images offered in batches of 1,000, as the conv anchor
        /// evaluates (lmc runs them `Network.evaluationRows` at a time, 20 for this net).
        public var convEval: Throughput
        /// The ViT of `experiments/vit-weak-lmc.yaml` with AdamW, batch 128 (`scripts/bench-torch-vit.py`).
        public var vitTrain: Throughput
        /// One barrier curve: the MLP interpolated at 25 alphas, each point measured on 20,000 images
        /// (`scripts/bench-torch-barrier.py`).
        public var barrierCurve: Timing
        /// The float32 FMA peak of the threads, on registers alone: what the other figures are a share of.
        public var fmaPeak: Rate

        enum CodingKeys: String, CodingKey {
            case threads, gemm, lap
            case convTrain = "conv_train"
            case convEval = "conv_eval"
            case vitTrain = "vit_train"
            case barrierCurve = "barrier_curve"
            case mlpTrain = "mlp_train"
            case mlpEval = "mlp_eval"
            case weightMatching = "weight_matching"
            case fmaPeak = "fma_peak"
        }

        package init(
            threads: Int, mlpTrain: Throughput, mlpEval: Throughput, gemm: [GemmFigure], lap: [AssignmentTiming],
            weightMatching: Timing, convTrain: Throughput, convEval: Throughput, vitTrain: Throughput,
            barrierCurve: Timing, fmaPeak: Rate
        ) {
            self.threads = threads
            self.mlpTrain = mlpTrain
            self.mlpEval = mlpEval
            self.gemm = gemm
            self.lap = lap
            self.weightMatching = weightMatching
            self.convTrain = convTrain
            self.convEval = convEval
            self.vitTrain = vitTrain
            self.barrierCurve = barrierCurve
            self.fmaPeak = fmaPeak
        }
    }

    /// The MLP of the anchors: 784-512-512-512-10.
    public static let mlp = program(.mlp(input: fashionMNIST, hidden: [512, 512, 512], classes: 10))
    static let fashionMNIST = ImageShape(channels: 1, height: 28, width: 28)
    public static let gemmShapes = [(128, 512, 784), (128, 512, 512), (1024, 1024, 1024), (10000, 512, 784)]
    public static let lapSizes = [128, 512, 1024, 2048]

    /// Runs every workload; `progress` names each one before it starts.
    public static func run(parallelism: Parallelism, progress: (String) -> Void = { _ in }) -> Report {
        progress("gemm")
        let gemm = gemmShapes.map { m, n, k in
            Report.GemmFigure(m: m, n: n, k: k, gflops: gemmGFLOPs(m: m, n: n, k: k, parallelism: parallelism))
        }
        progress("mlp_train")
        let train = trainingThroughput(parallelism: parallelism)
        progress("mlp_eval")
        let eval = evaluationThroughput(parallelism: parallelism)
        progress("lap")
        let lap = lapSizes.map { Report.AssignmentTiming(n: $0, ms: assignmentMilliseconds(n: $0)) }
        progress("weight_matching")
        let wm = weightMatchingMilliseconds(parallelism: parallelism)
        progress("conv_train")
        let conv = convTrainingThroughput(parallelism: parallelism)
        progress("conv_eval")
        let convEval = convEvaluationThroughput(parallelism: parallelism)
        progress("vit_train")
        let vit = vitTrainingThroughput(parallelism: parallelism)
        progress("barrier_curve")
        let curve = barrierCurveMilliseconds(parallelism: parallelism)
        progress("fma_peak")
        let peak = fmaPeakGFLOPs(parallelism: parallelism)
        return Report(
            threads: parallelism.threads, mlpTrain: .init(samplesPerSecond: train),
            mlpEval: .init(samplesPerSecond: eval), gemm: gemm, lap: lap, weightMatching: .init(ms: wm),
            convTrain: .init(samplesPerSecond: conv), convEval: .init(samplesPerSecond: convEval),
            vitTrain: .init(samplesPerSecond: vit), barrierCurve: .init(ms: curve), fmaPeak: .init(gflops: peak))
    }

    /// The FMA peak: each thread runs 12 independent chains of 8-lane float32 FMAs (enough to keep two
    /// FMA pipes of latency 4 to 5 busy) on registers, with no loads or stores.
    static func fmaPeakGFLOPs(parallelism: Parallelism) -> Double {
        typealias V = SIMD8<Float>
        let iterations = 4_000_000, chains = 12
        let results = Locked(Float(0))
        let seconds = best(of: 5) {
            parallelism.forEach(parallelism.threads) { piece in
                let (x, y) = (V(repeating: 0.999_9), V(repeating: 1e-4))
                var a = (0..<chains).map { V(repeating: Float($0 + piece) * 1e-3) }
                var (a0, a1, a2, a3, a4, a5) = (a[0], a[1], a[2], a[3], a[4], a[5])
                var (a6, a7, a8, a9, a10, a11) = (a[6], a[7], a[8], a[9], a[10], a[11])
                @inline(__always) func fma(_ v: V) -> V { y.addingProduct(v, x) }
                for _ in 0..<iterations {
                    (a0, a1, a2, a3, a4, a5) = (fma(a0), fma(a1), fma(a2), fma(a3), fma(a4), fma(a5))
                    (a6, a7, a8, a9, a10, a11) = (fma(a6), fma(a7), fma(a8), fma(a9), fma(a10), fma(a11))
                }
                a = [a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11]
                let total = a.reduce(V(), +).sum()
                results.withLock { $0 += total }
            }
        }
        // Kept so the chains are not optimised away.
        precondition(results.withLock { $0.isFinite })
        return 2 * Double(8 * chains * iterations * parallelism.threads) / seconds / 1e9
    }

    /// Float32 C = A·B for row-major A (m×k) and B (k×n) of standard normal values, into a reused C and
    /// packing workspace (the steady state of a loop of products).
    static func gemmGFLOPs(m: Int, n: Int, k: Int, parallelism: Parallelism) -> Double {
        let a = normals(m * k, purpose: "bench/gemm/a"), b = normals(k * n, purpose: "bench/gemm/b")
        var c = [Float](repeating: 0, count: m * n)
        let workspace = GemmWorkspace()
        let seconds = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    best(of: 5) {
                        guard let a = pa.baseAddress, let b = pb.baseAddress, let c = pc.baseAddress else { return }
                        Gemm.multiply(
                            m: m, n: n, k: k, a: .init(base: a, ld: k, transposed: false),
                            b: .init(base: b, ld: n, transposed: false), c: c, ldc: n, workspace: workspace,
                            parallelism: parallelism)
                    }
                }
            }
        }
        return 2 * Double(m * n * k) / seconds / 1e9
    }

    /// Training examples per second: SGD with momentum and weight decay, batch 128, one epoch of 12,800
    /// synthetic examples (100 updates) per repetition, including batch assembly and the optimiser.
    static func trainingThroughput(parallelism: Parallelism) -> Double {
        throughput(examples: 12_800, reps: 3) { data, recipe in
            _ = try? Trainer.train(mlp, seed: 1, recipe: recipe, data: data, parallelism: parallelism)
        }
    }

    /// The conv anchor's VGG-style net: `[16, M, 32, M, 64, 64, M]` 3×3 convolutions without bias, each
    /// followed by GroupNorm (one group) and ReLU, global average pooling, a linear classifier.
    public static let conv = program(
        .vgg(input: fashionMNIST, widths: [16, nil, 32, nil, 64, 64, nil], norm: .group(1), classes: 10))

    /// The builders' programs are valid by construction.
    private static func program(_ architecture: Architecture) -> LayerProgram {
        do { return try LayerProgram(architecture) } catch { preconditionFailure("a built-in architecture: \(error)") }
    }

    /// Conv training examples per second, as `trainingThroughput` measures the MLP's: 30 updates (3,840
    /// synthetic 28×28 images) per repetition.
    static func convTrainingThroughput(parallelism: Parallelism) -> Double {
        throughput(examples: 3_840, reps: 2) { data, recipe in
            _ = try? Trainer.train(conv, seed: 1, recipe: recipe, data: data, parallelism: parallelism)
        }
    }

    /// The ViT of `experiments/vit-weak-lmc.yaml`: patch 7 (16 tokens), width 64, 4 blocks of 4 heads, MLP
    /// ratio 2.
    public static let vit = program(
        .vit(input: fashionMNIST, patch: 7, width: 64, depth: 4, heads: 4, hidden: 128, classes: 10))

    /// ViT training examples per second with AdamW (decay 0.05), as `trainingThroughput` measures the
    /// MLP's: 30 updates (3,840 synthetic 28×28 images) per repetition.
    static func vitTrainingThroughput(parallelism: Parallelism) -> Double {
        throughput(
            examples: 3_840, reps: 2, rate: 1e-3, optimizer: .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), decay: 0.05
        ) { data, recipe in
            _ = try? Trainer.train(vit, seed: 1, recipe: recipe, data: data, parallelism: parallelism)
        }
    }

    /// Examples per second of one epoch of `train` over `examples` synthetic 784-input examples, batch 128
    /// (SGD at rate 0.05 with momentum 0.9 and weight decay 5e-4 unless told otherwise).
    private static func throughput(
        examples: Int, reps: Int, rate: Double = 0.05,
        optimizer: TrainingRecipe.Optimizer = .sgd(momentum: 0.9, nesterov: false),
        decay: Double = 5e-4, _ train: (Dataset.Split, TrainingRecipe) -> Void
    ) -> Double {
        let data = Dataset.synthetic(features: 784, classes: 10, trainCount: examples, testCount: 0, noise: 1, seed: 1)
        let recipe = TrainingRecipe(
            learningRate: rate, optimizer: optimizer, weightDecay: decay, batchSize: 128, epochs: 1, warmupEpochs: 0,
            decay: .none, checkpoints: [])
        return Double(examples) / best(of: reps) { train(data.train, recipe) }
    }

    /// Examples per second through the MLP's forward pass, 60,000 examples in batches of 10,000 (as
    /// evaluation of a split runs).
    static func evaluationThroughput(parallelism: Parallelism) -> Double {
        forwardThroughput(mlp, count: 60_000, batchSize: 10_000, parallelism: parallelism)
    }

    /// Examples per second through the conv net's forward pass, offered as `bench_torch_conv.py` evaluates
    /// (batches of 1,000; lmc runs `Network.evaluationRows` of them at a time).
    static func convEvaluationThroughput(parallelism: Parallelism) -> Double {
        forwardThroughput(conv, count: 10_000, batchSize: 1_000, parallelism: parallelism)
    }

    private static func forwardThroughput(
        _ program: LayerProgram, count: Int, batchSize: Int, parallelism: Parallelism
    ) -> Double {
        let network = Network(program: program, seed: 1)
        let inputs = Dataset.Split(
            inputs: normals(count * program.architecture.input.features, purpose: "bench/eval/inputs"),
            labels: [Int32](repeating: 0, count: count))
        let seconds = best(of: 3) {
            network.forEachBatch(inputs, batchSize: batchSize, training: false, parallelism: parallelism) { _, _, _ in }
        }
        return Double(count) / seconds
    }

    /// Milliseconds for one barrier curve as `lmc run` evaluates a path: two independently initialised
    /// MLPs, 25 evenly spaced alphas, loss and error of each point on 20,000 standard normal images, with
    /// the spec's default `evaluation.batch` of 500 (the shared first layer's passes are longer).
    static func barrierCurveMilliseconds(parallelism: Parallelism) -> Double {
        let count = 20_000
        let ends = [Network(program: mlp, seed: 1), Network(program: mlp, seed: 2)]
        let images = Dataset.Split(
            inputs: normals(count * mlp.architecture.input.features, purpose: "bench/curve/inputs"),
            labels: (0..<count).map { Int32($0 % 10) })
        let points = (0..<25).map { i in [1 - Double(i) / 24, Double(i) / 24] }
        return 1000
            * best(of: 1) {
                _ = Interpolation.measure(ends, at: points, on: [images], batchSize: 500, parallelism: parallelism)
            }
    }

    /// Milliseconds to maximise a random n×n standard normal Float64 gain matrix.
    static func assignmentMilliseconds(n: Int) -> Double {
        var stream = RandomStream(seed: 1, purpose: "bench/lap", index: UInt64(n))
        let matrix = (0..<n * n).map { _ in stream.normal() }
        return 1000 * best(of: 3) { _ = try? LinearAssignment.maximize(matrix, n: n) }
    }

    /// Milliseconds to weight-match two independently initialised 784-512-512-512-10 MLPs.
    static func weightMatchingMilliseconds(parallelism: Parallelism) -> Double {
        let a = Network(program: mlp, seed: 1), b = Network(program: mlp, seed: 2)
        return 1000 * best(of: 3) { _ = try? WeightMatching.align(b, to: a, maxSweeps: 100, seed: 1, parallelism: parallelism) }
    }

    private static func normals(_ count: Int, purpose: String) -> [Float] {
        var stream = RandomStream(seed: 1, purpose: purpose)
        return (0..<count).map { _ in Float(stream.normal()) }
    }

    /// The shortest timed run of `body` in seconds, after one untimed warm-up run: at least `reps` runs,
    /// and more until a second has passed, so a short workload is not judged on one noisy moment of a
    /// shared machine.
    private static func best(of reps: Int, _ body: () -> Void) -> Double {
        body()
        var shortest = Double.infinity
        let began = DispatchTime.now().uptimeNanoseconds
        var runs = 0
        while runs < reps || DispatchTime.now().uptimeNanoseconds - began < 1_000_000_000 {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            shortest = min(shortest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            runs += 1
        }
        return shortest
    }
}
