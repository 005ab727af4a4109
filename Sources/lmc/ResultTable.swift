import Foundation
import Interpreter

/// The plain-text tables `lmc run` prints: endpoints, then barriers, then the node counts.
enum ResultTable {
    static func render(_ outcome: RunOutcome) -> String {
        let s = outcome.summary
        var out = "\(s.experiment)  (results in \(outcome.resultsDirectory)/)\n\n"
        var rows = [["network", "split", "loss", "error"]]
        for network in outcome.networkOrder {
            for (split, m) in (s.networks[network] ?? [:]).sorted(by: { $0.key > $1.key }) {
                rows.append([network, split, number(m.loss), percent(m.error)])
            }
        }
        out += table(rows) + "\n"
        rows = [["interpolation", "permutation", "split", "loss barrier", "error barrier"]]
        var series: [(String, Summary.InterpolationResult)] = []
        for name in outcome.interpolationOrder {
            guard let result = s.interpolations[name] else { continue }
            guard let permutation = result.permutation, let splits = result.splits else {
                series.append((name, result))
                continue
            }
            for (split, curve) in splits.sorted(by: { $0.key > $1.key }) {
                rows.append([name, permutation, split, number(curve.lossBarrier), points(curve.errorBarrier)])
            }
        }
        if rows.count > 1 { out += table(rows) + "\n" }
        for (name, result) in series { out += matrix(name, result) + "\n" }
        for failure in s.failures { out += "failed: \(failure.node): \(failure.error)\n" }
        out += "\(s.nodes.total) nodes: \(s.nodes.computed) computed, \(s.nodes.cached) cached"
        if s.nodes.failed > 0 { out += ", \(s.nodes.failed) failed" }
        return out
    }

    /// A series as a matrix of test error barriers: one row per permutation, one column per step.
    private static func matrix(_ name: String, _ result: Summary.InterpolationResult) -> String {
        let points = result.points ?? []
        let steps = Array(Set(points.map(\.position))).sorted()
        let labels = steps.map { step in points.first { $0.position == step }?.positionLabel ?? String(step) }
        var permutations: [String] = []
        for p in points where !permutations.contains(p.permutationRow) { permutations.append(p.permutationRow) }
        let axis = points.contains { $0.level != nil } ? "level" : "step"
        var rows = [["\(name): test error barrier (pts) at \(axis)"] + labels]
        for permutation in permutations {
            rows.append(
                [permutation]
                    + steps.map { step in
                        let point = points.first { $0.position == step && $0.permutationRow == permutation }
                        return point?.splits["test"]?.errorBarrier.map { String(format: "%.2f", $0 * 100) } ?? "-"
                    })
        }
        return table(rows)
    }

    private static func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "-" }
    private static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
    private static func points(_ value: Double?) -> String { value.map { String(format: "%.2f pts", $0 * 100) } ?? "-" }

    private static func table(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}
