import Engine
import Testing

/// Paths measured through the ends' shared first-layer products: the same curves as mixing the weights
/// (to float rounding; the ends exactly), whatever the batch size or thread count.
@Suite struct SharedFirstLayerTests {
    static let data = ConvAlignmentTests.data
    static let splits = [data.train, data.test]
    static let architectures: [String: Architecture] = [
        "mlp": .mlp(input: ConvNetTests.image, hidden: [12, 10], classes: 4),
        "unbiased": ConvNetTests.unbiasedMLP(classes: 4), "vgg": ConvNetTests.vgg(nil, classes: 4),
        "linear": layers([("flatten", .flatten, nil), ("fc", .linear(outputs: 4, bias: true), nil)]),
        "batchnorm": layers([
            ("flatten", .flatten, nil), ("fc1", .linear(outputs: 12, bias: true), nil), ("bn", .norm(.batch), nil),
            ("relu", .relu, nil), ("fc2", .linear(outputs: 4, bias: true), nil),
        ]),
        // fc1's output is read by its ReLU and by the sum, so the ReLU is not fused into it.
        "two-readers": layers([
            ("flatten", .flatten, nil), ("fc1", .linear(outputs: 12, bias: true), nil), ("relu", .relu, nil),
            ("sum", .add, [2, 3]), ("fc2", .linear(outputs: 4, bias: true), nil),
        ]),
    ]

    /// Layers in order, each reading the one before unless given its input buffers.
    static func layers(_ list: [(String, Architecture.Operation, [Int]?)]) -> Architecture {
        var a = Architecture(input: ConvNetTests.image, layers: [])
        for (name, operation, inputs) in list { a.append(name, operation, inputs: inputs) }
        return a
    }

    static func ends(_ kind: String, count: Int = 2) throws -> [Network] {
        let architecture = try #require(architectures[kind])
        return try (0..<count).map { try ConvAlignmentTests.trained(architecture, seed: 31 + UInt64($0)) }
    }

    static let path = stride(from: 0.0, through: 1.0, by: 0.1).map { [1 - $0, $0] }
    static let triangle: [[Double]] = [
        [1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0], [0.2, 0.3, 0.5], [1.0 / 3, 1.0 / 3, 1.0 / 3],
    ]

    static func measure(
        _ ends: [Network], _ points: [[Double]], batch: Int = 50, threads: Int = 1, direct: Bool = false
    ) -> [[Metrics]] {
        Interpolation.measure(
            ends, at: points, on: splits, batchSize: batch, parallelism: Parallelism(threads: threads),
            prepare: direct ? { network, _ in network } : nil)
    }

    @Test("the first layer shared is the first linear layer, after a flatten; none for a convolution first")
    func sharedLayer() throws {
        for (kind, expected) in [("mlp", 1), ("unbiased", 1), ("vgg", nil), ("linear", 1), ("two-readers", 1)]
            as [(String, Int?)]
        {
            let program = try LayerProgram(try #require(Self.architectures[kind]))
            #expect(Interpolation.sharedFirstLayer(program) == expected, "\(kind)")
        }
    }

    @Test(
        "curves agree with mixing the weights to float rounding, and exactly at the ends",
        arguments: ["mlp", "unbiased", "linear", "batchnorm", "two-readers"])
    func agreesWithMixedWeights(_ kind: String) throws {
        for (ends, points) in [(try Self.ends(kind), Self.path), (try Self.ends(kind, count: 3), Self.triangle)] {
            let shared = Self.measure(ends, points), direct = Self.measure(ends, points, direct: true)
            for (s, split) in Self.splits.enumerated() {
                for p in points.indices {
                    let (x, y) = (shared[s][p], direct[s][p])
                    #expect(abs(x.loss - y.loss) <= 1e-5 * max(1, y.loss), "\(kind) split \(s) point \(points[p])")
                    #expect(abs(x.error - y.error) <= 1.5 / Double(split.count), "\(kind) split \(s) point \(points[p])")
                    if points[p].contains(1) { #expect(x == y, "\(kind): an end, \(points[p])") }
                }
            }
        }
    }

    @Test("passes are 2,048 examples, fewer for wide networks (8 MB a buffer), never fewer than the batch")
    func rowsPerPass() throws {
        let image = ImageShape(channels: 1, height: 28, width: 28)
        let narrow = try LayerProgram(.mlp(input: image, hidden: [512, 512], classes: 10))
        let wide = try LayerProgram(.mlp(input: image, hidden: [4096, 4096], classes: 10))
        #expect(Interpolation.rowsPerPass(narrow, batchSize: 500) == 2048)
        #expect(Interpolation.rowsPerPass(wide, batchSize: 500) == 512)
        #expect(Interpolation.rowsPerPass(wide, batchSize: 100) == 512)
        #expect(Interpolation.rowsPerPass(wide, batchSize: 5000) == 5000)
    }

    @Test("curves do not depend on the examples per pass or the thread count")
    func independentOfBatchAndThreads() throws {
        let ends = try Self.ends("mlp")
        let first = try #require(Interpolation.sharedFirstLayer(ends[0].program))
        func measure(rows: Int, threads: Int) -> [[Metrics]] {
            Interpolation.measure(
                ends, sharingOutputOf: first, at: Self.path, on: Self.splits, rowsPerPass: rows,
                parallelism: Parallelism(threads: threads))
        }
        let reference = Self.measure(ends, Self.path)
        #expect(measure(rows: 7, threads: 1) == reference)
        #expect(measure(rows: 256, threads: 2) == reference)
        #expect(measure(rows: 13, threads: 2) == reference)
    }
}
