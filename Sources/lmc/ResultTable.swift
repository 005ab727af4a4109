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
        for name in outcome.interpolationOrder {
            guard let result = s.interpolations[name] else { continue }
            for (split, curve) in result.splits.sorted(by: { $0.key > $1.key }) {
                rows.append([name, result.permutation, split, number(curve.lossBarrier), points(curve.errorBarrier)])
            }
        }
        out += table(rows) + "\n"
        for failure in s.failures { out += "failed: \(failure.node): \(failure.error)\n" }
        out += "\(s.nodes.total) nodes: \(s.nodes.computed) computed, \(s.nodes.cached) cached"
        if s.nodes.failed > 0 { out += ", \(s.nodes.failed) failed" }
        return out
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
