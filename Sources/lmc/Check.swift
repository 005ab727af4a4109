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

    @OptionGroup var override: OverrideOptions

    func run() throws {
        var diagnostics: [Diagnostic] = []
        for file in files {
            do {
                let (_, plan) = try SpecLoader.plan(file, overrides: override.overrides)
                print("\(file): ok (\(plan.steps.count) steps)")
            } catch let error as DiagnosticError {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw DiagnosticError(diagnostics) }
    }
}
