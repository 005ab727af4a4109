import DSL
import Foundation

/// Writes a summary's files: `summary.json`, `barriers.csv`, `curves.csv`, `endpoints.csv`.
enum ResultWriter {
    static func write(_ fullPrecision: Summary, order: [String], to directory: String) throws {
        let summary = fullPrecision.readable
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try atomicWrite(fullPrecision.jsonData(), to: directory + "/summary.json")
        var variables: [String] = []
        for b in summary.barriers { for c in b.sweep where !variables.contains(c.name) { variables.append(c.name) } }
        var barriers =
            (["interpolation", "split", "step", "level", "density", "permutation"] + variables + [
                "networks", "from", "to", "centroid_error", "centroid_excess_error", "loss_barrier", "error_barrier",
            ])
            .joined(separator: ",") + "\n"
        for b in summary.barriers {
            let sweep = variables.map { name in b.sweep.first { $0.name == name }?.value ?? "" }
            barriers +=
                ([
                    b.interpolation, b.split, b.step.map(String.init) ?? "", b.level.map(String.init) ?? "", csv(b.density),
                    b.permutation,
                ] + sweep + [
                    b.networks.map(String.init) ?? "", b.from ?? "", b.to ?? "", csv(b.centroidError),
                    csv(b.centroidExcessError), csv(b.lossBarrier), csv(b.errorBarrier),
                ])
                .joined(separator: ",") + "\n"
        }
        try atomicWrite(Data(barriers.utf8), to: directory + "/barriers.csv")
        // Each sweep variable is a column of curves.csv and endpoints.csv too, as of barriers.csv.
        func values(_ coordinates: [SweepCoordinate]) -> [String] {
            variables.map { name in coordinates.first { $0.name == name }?.value ?? "" }
        }
        var curves =
            (["interpolation"] + variables + ["step,level,density,permutation,split,alpha,loss,error"])
            .joined(separator: ",") + "\n"
        for name in order {
            guard let result = summary.interpolations[name] else { continue }
            let sweep = values(Self.coordinates(inName: name))
            for point in result.allPoints {
                for (split, curve) in point.splits.sorted(by: { $0.key < $1.key }) {
                    for (i, alpha) in result.alphas.enumerated() {
                        let fields = [
                            point.step.map(String.init) ?? "", point.level.map(String.init) ?? "", csv(point.density),
                            point.permutation, split, "\(alpha)", csv(curve.loss?[i]), csv(curve.error?[i]),
                        ]
                        curves += ([Self.baseName(name)] + sweep + fields).joined(separator: ",") + "\n"
                    }
                }
            }
        }
        try atomicWrite(Data(curves.utf8), to: directory + "/curves.csv")
        // One λ column per network of the largest simplex; a smaller one leaves the rest empty.
        let corners = summary.interpolations.values.compactMap { $0.lambdas?.first?.count }.max() ?? 0
        var simplex =
            (["interpolation", "split"] + (1...max(corners, 1)).map { "lambda_\($0)" } + ["loss", "error"])
            .joined(separator: ",") + "\n"
        for name in order {
            guard let result = summary.interpolations[name], let lambdas = result.lambdas else { continue }
            for (split, curve) in (result.splits ?? [:]).sorted(by: { $0.key < $1.key }) {
                for (i, lambda) in lambdas.enumerated() {
                    let weights = (0..<corners).map { $0 < lambda.count ? "\(lambda[$0])" : "" }
                    simplex +=
                        ([name, split] + weights + [csv(curve.loss?[i]), csv(curve.error?[i])]).joined(separator: ",") + "\n"
                }
            }
        }
        if summary.interpolations.values.contains(where: { $0.lambdas != nil }) {
            try atomicWrite(Data(simplex.utf8), to: directory + "/simplex.csv")
        }
        var endpoints = (["network"] + variables + ["split,loss,error"]).joined(separator: ",") + "\n"
        for (network, splits) in summary.networks.sorted(by: { $0.key < $1.key }) {
            let sweep = values(Self.coordinates(inName: network))
            for (split, m) in splits.sorted(by: { $0.key < $1.key }) {
                endpoints +=
                    ([Self.baseName(network)] + sweep + [split, csv(m.loss), csv(m.error)]).joined(separator: ",") + "\n"
            }
        }
        try atomicWrite(Data(endpoints.utf8), to: directory + "/endpoints.csv")
        if let cycles = summary.cycles {
            var table =
                (["network_a", "network_b", "network_c", "method"] + variables + ["group", "fixed"])
                .joined(separator: ",") + "\n"
            for cycle in cycles {
                let sweep = variables.map { cycle.sweep?[$0] ?? "" }
                for (group, fixed) in [("all", cycle.fixed)] + cycle.groups.sorted(by: { $0.key < $1.key }) {
                    table += (cycle.networks + [cycle.method] + sweep + [group, "\(fixed)"]).joined(separator: ",") + "\n"
                }
            }
            try atomicWrite(Data(table.utf8), to: directory + "/cycles.csv")
        }
    }

    private static func csv(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }

    /// A generated entry's name without its sweep suffix (`a@wd=5.0e-4,w=8` → `a`): the suffix's values are
    /// columns of their own, as in `barriers.csv`.
    static func baseName(_ name: String) -> String { String(name.prefix { $0 != "@" }) }

    /// The sweep coordinates a generated entry's name carries (`a@wd=5.0e-4,w=8`); none for other names.
    static func coordinates(inName name: String) -> [SweepCoordinate] {
        guard let at = name.firstIndex(of: "@") else { return [] }
        return name[name.index(after: at)...].split(separator: ",").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? SweepCoordinate(name: String(parts[0]), value: String(parts[1])) : nil
        }
    }

    /// Writes through a temporary file and a rename, so a reader never sees half a file.
    static func atomicWrite(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp.\(ProcessInfo.processInfo.processIdentifier)"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

extension Summary.Point {
    /// Where the point sits along its series: the pruning level, or the training step.
    public var position: Int { level ?? step ?? 0 }

    /// The permutation as a row heading: a permutation found at the point's own pruning level is
    /// `<alignment>@level`, one row across levels.
    public var permutationRow: String {
        guard let level, permutation.hasSuffix("@level=\(level)") else { return permutation }
        return String(permutation.dropLast("=\(level)".count))
    }

    /// The position as a column heading: `4690`, or `L3 (51.2%)` for a pruning level.
    public var positionLabel: String {
        guard let level else { return String(position) }
        return "L\(level) (" + (density.map { String(format: "%.1f%%", $0 * 100) } ?? "?") + ")"
    }
}

extension Summary.InterpolationResult {
    /// The measured paths: the one of a plain interpolation, or every point of a series.
    public var allPoints: [Summary.Point] {
        if let points { return points }
        return [.init(step: nil, level: nil, density: nil, permutation: permutation ?? "identity", splits: splits ?? [:])]
    }
}

extension Summary {
    /// Pretty, sorted-key JSON: stable for diffs and `jq`.
    public func jsonData() throws -> Data {
        try JSONEncoder.lmc(pretty: true).encode(readable)
    }
}
