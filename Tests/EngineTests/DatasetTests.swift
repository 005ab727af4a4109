import Engine
import Foundation
import Testing

@Suite struct DatasetTests {
    @Test("IDX parsing reads extents and bytes")
    func parsesIDX() throws {
        let bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 10, 20, 30, 40]
        let contents = try IDXFile.parse(bytes, file: "x")
        #expect(contents.extents == [2, 1, 2])
        #expect(contents.bytes == [10, 20, 30, 40])
    }

    @Test(
        "corrupt IDX and gzip data are errors naming the file",
        arguments: [
            [UInt8]([1, 2, 3, 4]),
            [0, 0, 8, 1, 0, 0, 0, 9, 1, 2],
            [0, 0, 13, 1, 0, 0, 0, 1, 5],
        ])
    func rejectsCorruptIDX(bytes: [UInt8]) {
        #expect(throws: DataError.self) { try IDXFile.parse(bytes, file: "bad-file") }
    }

    @Test("truncated gzip is an error")
    func rejectsBadGzip() {
        #expect(throws: DataError.self) { try Gzip.decompress([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]) }
    }

    @Test("standardisation leaves training inputs with mean 0 and std 1")
    func standardizes() {
        var data = Dataset.synthetic(features: 8, classes: 3, trainCount: 500, testCount: 10, noise: 1, seed: 4)
        data.standardize()
        let n = Double(data.train.inputs.count)
        let mean = data.train.inputs.reduce(0.0) { $0 + Double($1) } / n
        let variance = data.train.inputs.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
    }

    @Test(
        "a flat example's assumed shape: one channel of s×s for s² values, else one row",
        arguments: [(784, 1, 28, 28), (16, 1, 4, 4), (1, 1, 1, 1), (12, 1, 1, 12), (3072, 1, 1, 3072), (4095, 1, 1, 4095)])
    func assumedShape(features: Int, channels: Int, height: Int, width: Int) {
        let shape = ImageShape(features: features)
        #expect(shape == ImageShape(channels: channels, height: height, width: width) && shape.features == features)
    }

    @Test("a synthetic shape only labels the data: the values are those of the dataset without one, bit for bit")
    func syntheticShape() {
        let plain = Dataset.synthetic(features: 12, classes: 3, trainCount: 50, testCount: 20, noise: 1, seed: 4)
        let shaped = Dataset.synthetic(
            features: 12, classes: 3, trainCount: 50, testCount: 20, noise: 1, seed: 4,
            shape: ImageShape(channels: 3, height: 2, width: 2))
        #expect(plain.shape == ImageShape(channels: 1, height: 1, width: 12))
        #expect(shaped.shape == ImageShape(channels: 3, height: 2, width: 2) && shaped.features == 12)
        #expect(shaped.train.inputs.map(\.bitPattern) == plain.train.inputs.map(\.bitPattern))
        #expect(shaped.test.inputs.map(\.bitPattern) == plain.test.inputs.map(\.bitPattern))
        #expect(shaped.train.labels == plain.train.labels)
    }

    @Test("with one channel, per-channel normalisation is the scalar one, bit for bit")
    func perChannelOfOneChannel() {
        var scalar = Dataset.synthetic(features: 16, classes: 3, trainCount: 200, testCount: 30, noise: 1, seed: 5)
        var perChannel = scalar
        scalar.standardize()
        perChannel.standardizePerChannel()
        #expect(perChannel.train.inputs.map(\.bitPattern) == scalar.train.inputs.map(\.bitPattern))
        #expect(perChannel.test.inputs.map(\.bitPattern) == scalar.test.inputs.map(\.bitPattern))
    }

    @Test(
        "an IDX directory's shape comes from the images' header: [n, h, w] is 1×h×w, [n, h, w, c] is c×h×w",
        arguments: [
            ([2, 3], ImageShape(channels: 1, height: 2, width: 3)), ([2, 2, 3], ImageShape(channels: 3, height: 2, width: 2)),
        ])
    func idxShape(dimensions: [Int], shape: ImageShape) throws {
        let dir = NSTemporaryDirectory() + "lmc-idx-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let perImage = dimensions.reduce(1, *)
        func images(_ n: Int) -> [UInt8] {
            [0, 0, 8, UInt8(dimensions.count + 1), 0, 0, 0, UInt8(n)] + dimensions.flatMap { [0, 0, 0, UInt8($0)] }
                + (0..<n * perImage).map { UInt8($0 % 251) }
        }
        func labels(_ n: Int) -> [UInt8] { [0, 0, 8, 1, 0, 0, 0, UInt8(n)] + (0..<n).map { UInt8($0 % 2) } }
        let files = [
            ("train-images-idx3-ubyte", images(4)), ("train-labels-idx1-ubyte", labels(4)),
            ("t10k-images-idx3-ubyte", images(2)), ("t10k-labels-idx1-ubyte", labels(2)),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        let data = try Dataset.loadIDX(directory: dir)
        #expect(data.shape == shape && data.features == perImage)
        #expect(data.train.inputs == (0..<4 * perImage).map { Float($0 % 251) / 255 })
    }

    @Test("the random stream is a fixed function of its keys")
    func randomStreamIsKeyed() {
        var a = RandomStream(seed: 1, purpose: "x"), b = RandomStream(seed: 1, purpose: "x"),
            c = RandomStream(seed: 1, purpose: "y")
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
        var d = RandomStream(seed: 9, purpose: "p")
        let p = d.permutation(100)
        #expect(p.sorted() == Array(0..<100) && p != Array(0..<100))
    }
}
