import ArgumentParser
import Foundation
import Interpreter

/// `lmc explain FILE NODE`: why a step is not cached.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say why a step is not cached: the nearest cached entry of the same kind and the fields that differ.",
        discussion: """
            Fields are those of the step's cache key, shown by where the spec writes them (recipes.sgd.epochs, \
            alignments.am.samples, evaluation.alphas) where there is one place: the step's parameters, its \
            dataset's content (datasets.…), the engine's version (salt) and its inputs' keys (inputs[i]: \
            explain that input next). --json keeps the key's own paths.

            Example:
              lmc explain experiments/weak-lmc.yaml train/b --set networks.b.seed=3
            """
    )

    @Argument(help: "The spec file.")
    var file: String

    @Argument(help: "The step, as lmc plan names it (train/a, barrier/weight, …).")
    var node: String

    @OptionGroup var override: OverrideOptions

    @OptionGroup var cache: CacheOptions

    @Flag(help: "Print the explanation as JSON.")
    var json = false

    func run() throws {
        let (spec, plan) = try SpecLoader.plan(file, overrides: override.overrides)
        let explanation: Explanation
        do { explanation = try Explanation.of(node, in: plan, cacheDirectory: cache.directory) } catch let error as UnknownName {
            throw InvalidInput(message: "\(file): \(error.description)")
        } catch let error as RunError {
            throw InvalidInput(message: "\(file): \(error.description)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(explanation), as: UTF8.self))
            return
        }
        if explanation.cached {
            print("\(node) is cached (key \(explanation.key.prefix(12)))")
            return
        }
        guard let nearest = explanation.nearest else {
            print("\(node) is not cached, and the cache holds no entry of the same kind with a stored key description")
            return
        }
        print("\(node) is not cached; the nearest cached entry is \(nearest) (key \(explanation.nearestKey?.prefix(12) ?? "")):")
        for d in explanation.differences {
            let input = d.input.map { "  (input \($0) differs: lmc explain \(file) \($0))" } ?? ""
            let field = SpecPath.of(d.field, node: node, spec: spec) ?? d.field
            print("  \(field): cached \(d.cached ?? "(absent)"), now \(d.wanted ?? "(absent)")\(input)")
        }
    }
}
