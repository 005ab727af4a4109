import Foundation
import Testing
import Engine

@Suite struct BenchmarkReportTests {
    @Test("lmc bench --json keeps the contract's keys")
    func contractKeys() throws {
        let report = Benchmark.Report(
            threads: 2, mlpTrain: .init(samplesPerSecond: 1), mlpEval: .init(samplesPerSecond: 2),
            gemm: [.init(m: 1, n: 2, k: 3, gflops: 4)], lap: [.init(n: 128, ms: 5)], weightMatching: .init(ms: 6),
            convTrain: .init(samplesPerSecond: 7), convEval: .init(samplesPerSecond: 11), vitTrain: .init(samplesPerSecond: 8),
            barrierCurve: .init(ms: 9), fmaPeak: .init(gflops: 10))
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect((object["mlp_train"] as? [String: Double])?["samples_per_s"] == 1)
        #expect((object["mlp_eval"] as? [String: Double])?["samples_per_s"] == 2)
        let gemm = try #require((object["gemm"] as? [[String: Double]])?.first)
        #expect(gemm["m"] == 1 && gemm["n"] == 2 && gemm["k"] == 3 && gemm["gflops"] == 4)
        #expect((object["lap"] as? [[String: Double]])?.first == ["n": 128, "ms": 5])
        #expect((object["weight_matching"] as? [String: Double])?["ms"] == 6)
        #expect((object["conv_train"] as? [String: Double])?["samples_per_s"] == 7)
        #expect((object["conv_eval"] as? [String: Double])?["samples_per_s"] == 11)
        #expect((object["vit_train"] as? [String: Double])?["samples_per_s"] == 8)
        #expect((object["barrier_curve"] as? [String: Double])?["ms"] == 9)
        #expect((object["fma_peak"] as? [String: Double])?["gflops"] == 10)
    }
}
