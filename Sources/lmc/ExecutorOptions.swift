import ArgumentParser
import DSL
import Foundation
import Interpreter

/// `--executor` and the Slurm settings of `lmc run`; each overrides the spec's `executor:` section.
struct ExecutorOptions: ParsableArguments {
    @Option(help: "Where steps compute: local, or slurm (one job per step; default: the spec's executor, else local).")
    var executor: ExecutorSpec.Kind?

    @Option(help: "Slurm partition (sbatch --partition).")
    var partition: String?

    @Option(help: "Slurm time limit per job (sbatch --time), e.g. 30 or 2:00:00.")
    var time: String?

    @Option(name: .customLong("cpus-per-task"), help: "Cores per Slurm job, also its thread count (default 1).")
    var cpusPerTask: Int?

    @Option(help: "Further sbatch arguments (repeatable; split at spaces), e.g. --sbatch=--mem=4G.")
    var sbatch: [String] = []

    @Flag(name: .customLong("dry-run"), help: "With slurm: print the sbatch commands as a script instead of submitting.")
    var dryRun = false

    func validate() throws {
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
    }

    /// The executor in effect for a plan: these flags over the spec's section.
    func resolved(for plan: Plan) -> ExecutorSpec {
        var spec = plan.executor
        if let executor { spec.kind = executor }
        if let partition { spec.partition = partition }
        if let time { spec.time = time }
        if let cpusPerTask { spec.cpusPerTask = cpusPerTask }
        spec.sbatch += sbatch.flatMap { $0.split(separator: " ").map(String.init) }
        return spec
    }

    func slurmOptions(_ spec: ExecutorSpec) -> SlurmOptions {
        SlurmOptions(
            partition: spec.partition, time: spec.time, cpusPerTask: spec.cpusPerTask ?? 1, extraArguments: spec.sbatch,
            executable: Self.executablePath,
            pollInterval: ProcessInfo.processInfo.environment["LMC_SLURM_POLL_SECONDS"].flatMap(Double.init) ?? 2)
    }

    /// This program's absolute path, which the jobs run.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

extension ExecutorSpec.Kind: ExpressibleByArgument {}
