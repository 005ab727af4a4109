import ArgumentParser
import DSL

/// `lmc check FILE…`: parse and validate only.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate specs without running anything.",
        discussion: """
            Prints every problem of every file as file:line:col: error: message, and exits 2 if there is any.

            Example:
              lmc check experiments/weak-lmc.yaml
            """
    )

    @Argument(help: "Spec files to check.")
    var files: [String]

    @Option(name: .customLong("set"), help: "Override a spec value, as path=value (repeatable).")
    var overrides: [String] = []

    func run() throws {
        var diagnostics: [Diagnostic] = []
        for file in files {
            do {
                let (_, plan) = try SpecLoader.plan(file, overrides: overrides)
                print("\(file): ok (\(plan.steps.count) steps)")
            } catch let error as DiagnosticError {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw DiagnosticError(diagnostics) }
    }
}
