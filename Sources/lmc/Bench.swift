import ArgumentParser
import Engine
import Foundation

/// `lmc bench`: the engine's speed on fixed, seeded workloads.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine on fixed workloads (GEMM, MLP training and evaluation, assignment).",
        discussion: """
            Each figure is the best of several runs after a warm-up. Machines are noisy: compare with an
            anchor (numpy, PyTorch) only when both ran in the same session, and report the ratio.

            Example:
              lmc bench
              lmc bench --json | jq .mlp_train.samples_per_s
            """
    )

    @Option(parsing: .unconditional, help: "Threads to use (default: the number of cores).")
    var threads: Int?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1; got \(threads)") }
    }

    func run() throws {
        let parallelism = Parallelism(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let report = Benchmark.run(parallelism: parallelism) { name in
            FileHandle.standardError.write(Data("bench: \(name)\n".utf8))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            if let data = try? encoder.encode(report) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        print("threads            \(report.threads)")
        print(String(format: "mlp_train          %.0f samples/s", report.mlpTrain.samplesPerSecond))
        print(String(format: "mlp_eval           %.0f samples/s", report.mlpEval.samplesPerSecond))
        for g in report.gemm {
            print(String(format: "gemm %5d×%4d×%4d %.1f GFLOP/s", g.m, g.n, g.k, g.gflops))
        }
        for t in report.lap { print(String(format: "lap n=%-5d         %.2f ms", t.n, t.ms)) }
        print(String(format: "weight_matching    %.1f ms", report.weightMatching.ms))
        print(String(format: "conv_train         %.0f samples/s", report.convTrain.samplesPerSecond))
        print(String(format: "conv_eval          %.0f samples/s", report.convEval.samplesPerSecond))
        print(String(format: "vit_train          %.0f samples/s", report.vitTrain.samplesPerSecond))
        print(String(format: "barrier_curve      %.0f ms", report.barrierCurve.ms))
        print(String(format: "fma_peak           %.1f GFLOP/s", report.fmaPeak.gflops))
    }
}
