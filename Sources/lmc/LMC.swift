import ArgumentParser

/// The `lmc` command: subcommands only.
struct LMC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmc",
        abstract: "Linear mode connectivity experiments, written as YAML, run as a cached graph.",
        discussion: """
            Exit status: 0 success, 1 a step or the run failed, 2 invalid input (spec, flags).

            Example:
              lmc check experiments/weak-lmc.yaml
              lmc run experiments/weak-lmc.yaml
            """,
        version: LMC.version,
        subcommands: [
            Run.self, Check.self, PlanCommand.self, DiffCommand.self, ExplainCommand.self, Report.self, ExportCommand.self,
            CacheCommand.self, WorkerCommand.self, VerifyPermutationsCommand.self,
            Bench.self,
        ]
    )

    /// The release this build is, printed by `lmc --version`.
    static let version = "0.2.0"
}

/// Input the user must fix (a flag value, an unreadable spec): exit status 2.
struct InvalidInput: Error {
    var message: String
}

/// The run started but did not complete: exit status 1.
struct RuntimeFailure: Error {
    var message: String
}
