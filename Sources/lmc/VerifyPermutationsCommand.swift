import ArgumentParser
import Engine
import Foundation
import Interpreter

/// `lmc verify-permutations FILE NETWORK`: check the model's derived permutation groups on a network.
struct VerifyPermutationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-permutations",
        abstract: "Apply a random permutation to every group of a network and report the largest logit change.",
        discussion: """
            Uses the cached trained network when there is one, else a freshly initialised network of its model.
            Prints each group (name, size, tensor axes it permutes) and the largest |Δ logit| over the test
            images; exit status 1 when it exceeds Float32 rounding (a wrong permutation spec).

            Example:
              lmc verify-permutations experiments/conv-weak-lmc.yaml resnet-a
            """
    )

    @Argument(help: "The spec file.")
    var file: String

    @Argument(help: "The network, by its name in the spec.")
    var network: String

    @Option(help: "Test images to compare logits on.")
    var examples = 1000

    @Option(help: "Seed of the random permutations.")
    var seed: UInt64 = 1

    @OptionGroup var override: OverrideOptions
    @OptionGroup var cache: CacheOptions

    func validate() throws {
        if examples < 1 { throw ValidationError("--examples must be at least 1") }
    }

    func run() throws {
        let plan = try SpecLoader.plan(file, overrides: override.overrides).plan
        let check: PermutationCheck
        do {
            check = try PermutationCheck.run(
                network: network, plan: plan, cacheDirectory: cache.directory, examples: examples, seed: seed,
                parallelism: Parallelism(threads: ProcessInfo.processInfo.activeProcessorCount))
        } catch let error as UnknownName {
            throw InvalidInput(message: "\(file): \(error.description)")
        } catch let error as RunError {
            throw RuntimeFailure(message: "\(file): \(error.description)")
        }
        let width = check.groups.map(\.name.count).max() ?? 5
        print("\(network) (\(check.cached ? "cached" : "initialised from its seed")): \(check.groups.count) groups")
        for group in check.groups {
            let coupled = group.coupling.map { ", exchanged as \($0)" } ?? ""
            let parts =
                group.parts == 1
                ? "" : " in \(group.parts)\(group.exchangeableParts ? " exchangeable" : "") parts\(coupled)"
            print(
                "  " + group.name.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  \(group.size) units\(parts), \(group.members) tensor axes")
        }
        print(
            String(
                format: "largest |Δ logit| over %d test images: %.3g (largest |logit| %.3g): %@", check.examples,
                check.largestDifference, check.largestLogit, check.passes ? "the groups preserve the function" : "WRONG"))
        if !check.passes { throw RuntimeFailure(message: "a permutation of the derived groups changed the logits") }
    }
}
