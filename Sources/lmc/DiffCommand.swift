import ArgumentParser
import Foundation
import Interpreter

/// `lmc diff OLD NEW`: what a change to a spec reuses and what it recomputes.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two specs: changed parameters, and which steps are reused, recomputed, added, removed.",
        discussion: """
            Exact: a step is reused when the old spec computes the same result (same cache key), whatever \
            its name. A recomputed step says why: its own parameters, or the first input that changed.

            --set overrides apply to NEW, so `lmc diff A.yaml A.yaml --set x=y` shows what an override changes.

            Example:
              lmc diff experiments/weak-lmc.yaml my-variant.yaml
              lmc diff experiments/weak-lmc.yaml experiments/weak-lmc.yaml --set evaluation.alphas=11
            """
    )

    @Argument(help: "The old spec.")
    var old: String

    @Argument(help: "The new spec.")
    var new: String

    @OptionGroup var override: OverrideOptions

    @OptionGroup var cache: CacheOptions

    @Flag(help: "Print the comparison as JSON.")
    var json = false

    func run() throws {
        let before = (tree: try SpecLoader.tree(old), plan: try SpecLoader.plan(old).plan)
        let after = (
            tree: try SpecLoader.tree(new, overrides: override.overrides),
            plan: try SpecLoader.plan(new, overrides: override.overrides).plan
        )
        let diff: PlanDiff
        do { diff = try PlanDiff.between(old: before, new: after, cacheDirectory: cache.directory) } catch let error as RunError {
            throw RuntimeFailure(message: error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(diff), as: UTF8.self))
            return
        }
        print(diff.parameters.isEmpty ? "parameters: no change" : "parameters:")
        for change in diff.parameters {
            print("  \(change.path): \(change.old ?? "(absent)") -> \(change.new ?? "(absent)")")
        }
        let renamed = diff.renamed.isEmpty ? "" : ", \(diff.renamed.count) renamed"
        print(
            "nodes: \(diff.reused.count) reused\(renamed), \(diff.recomputed.count) recomputed, \(diff.added.count) added, "
                + "\(diff.removed.count) removed")
        for node in diff.recomputed { print("  recompute  \(node.node)  (\(node.because))") }
        for node in diff.added { print("  add        \(node)") }
        for node in diff.removed { print("  remove     \(node)") }
        for node in diff.renamed { print("  rename     \(node.from) -> \(node.to)") }
        for node in diff.reused { print("  reuse      \(node)") }
    }
}
