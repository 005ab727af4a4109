import Testing
import Engine

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
