import ArgumentParser
import Foundation
import Interpreter

/// `lmc report FILE…`: rebuild results from the cache without computing anything.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild results/<name>/ (summary, CSV files, report.md, SVG plots) from the cache.",
        discussion: """
            Computes nothing: if a result step is not cached, says which and exits 1 (run `lmc run` first).

            Example:
              lmc report experiments/trajectory.yaml
            """
    )

    @Argument(help: "Spec files whose results to rebuild.")
    var files: [String]

    @OptionGroup var cache: CacheOptions

    @Option(name: .customLong("results-dir"), help: "Where results/<name>/ go.")
    var resultsDirectory = "results"

    func run() throws {
        let plans = try files.map { try SpecLoader.plan($0).plan }
        let options = RunOptions(
            cacheDirectory: cache.directory,
            resultsDirectory: resultsDirectory, jobs: 1, threads: 1)
        for plan in plans {
            do {
                let outcome = try Runner.report(plan, options: options)
                print("\(plan.specFile): wrote \(outcome.resultsDirectory)/report.md")
            } catch let error as RunError {
                throw RuntimeFailure(message: "\(plan.specFile): \(error.description)")
            }
        }
    }
}
