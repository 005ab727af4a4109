import ArgumentParser
import Foundation
import Interpreter

/// `lmc worker`: compute one step of a frozen plan into a shared cache (what each Slurm job runs).
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Compute one cached step of a stored plan (run by Slurm jobs that `lmc run --executor slurm` submits).",
        discussion: """
            Reads the plan <cache>/plans/<PLAN>.json, computes the step whose key is KEY from its cached inputs
            under the key's lease, and writes the entry atomically. Exits 0 at once when KEY is already cached;
            1 with the reason when it cannot (the cache is not visible here, the data differ from the driver's,
            an input is missing, the step failed).
            """
    )

    @OptionGroup var cache: CacheOptions

    @Option(help: "The stored plan's id.")
    var plan: String

    @Option(parsing: .unconditional, help: "Threads to compute with (default: the number of cores).")
    var threads: Int?

    @Argument(help: "The key of the step to compute.")
    var key: String

    func validate() throws {
        let hex = { (s: String) in !s.isEmpty && s.allSatisfy(\.isHexDigit) }
        guard hex(plan), hex(key) else { throw ValidationError("PLAN and KEY are hexadecimal ids") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1; got \(threads)") }
    }

    func run() throws {
        let progress = ProgressPrinter()
        let outcome: WorkerOutcome
        do {
            outcome = try Worker.run(
                cacheDirectory: cache.directory, planID: plan, key: key,
                threads: threads ?? ProcessInfo.processInfo.activeProcessorCount
            ) { progress.handle($0) }
        } catch {
            throw RuntimeFailure(message: error.description)
        }
        switch outcome {
        case .alreadyCached: print("\(key): already cached")
        case .computed(let node): print("\(node): computed (\(key))")
        }
    }
}
