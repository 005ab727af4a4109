import ArgumentParser
import Foundation
import Interpreter

/// `lmc plan FILE`: the graph, each node cached or to compute, with a cost estimate.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show a spec's steps, which are cached and which would be computed, and what they cost.",
        discussion: """
            Computes nothing. Estimates are floating-point operations from the steps' sizes (IDX data is \
            assumed to have Fashion-MNIST's sizes), shown as seconds on one core at 80 GFLOP/s.

            Example:
              lmc plan experiments/imp.yaml
            """
    )

    @Argument(help: "The spec file.")
    var file: String

    @OptionGroup var override: OverrideOptions

    @OptionGroup var cache: CacheOptions

    @Flag(help: "Print the nodes as JSON.")
    var json = false

    func run() throws {
        let plan = try SpecLoader.plan(file, overrides: override.overrides).plan
        let nodes: [PlanInspection.Node]
        do { nodes = try PlanInspection.nodes(plan, cacheDirectory: cache.directory) } catch let error as RunError {
            throw RuntimeFailure(message: "\(file): \(error.description)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(nodes), as: UTF8.self))
            return
        }
        let width = nodes.map(\.name.count).max() ?? 0
        for node in nodes {
            let status = node.cached ? "cached " : "compute"
            let cost = node.cached ? "" : "  " + Self.duration(node.estimatedSeconds)
            print("\(status)  \(node.name.padding(toLength: width, withPad: " ", startingAt: 0))\(cost)")
        }
        let pending = nodes.filter { !$0.cached }
        let total = pending.reduce(0) { $0 + $1.estimatedSeconds }
        print(
            "\(nodes.count) nodes: \(nodes.count - pending.count) cached, \(pending.count) to compute (\(Self.duration(total)) on one core)"
        )
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "<1 s" }
        if seconds < 120 { return "~\(Int(seconds.rounded())) s" }
        if seconds < 7200 { return "~\(Int((seconds / 60).rounded())) min" }
        return String(format: "~%.1f h", seconds / 3600)
    }
}
