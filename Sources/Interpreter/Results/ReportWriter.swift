import Foundation

/// Writes `report.md` and its SVG plots beside `summary.json`, from the summary alone.
///
/// Plots: error along α for every plain interpolation (`curves-<split>.svg`), and for every series
/// (`at:`) the barrier against training step, one line per permutation, with the naive series dashed
/// for reference (`<interpolation>-<split>.svg`). The numbers behind every plot are in `curves.csv`
/// and `barriers.csv`.
enum ReportWriter {
    /// - Parameter cacheDirectory: the cache the results came from, named in the report's rebuild command
    ///   unless it is the default (`.lmc`).
    static func write(_ summary: Summary, order: [String], cacheDirectory: String = ".lmc", to directory: String) throws {
        var md = "# \(summary.experiment)\n\n"
        let cache = cacheDirectory == ".lmc" ? "" : " --cache-dir \(cacheDirectory)"
        md += "Spec: `\(summary.spec)`. Rebuild this report from the cache with `lmc report \(summary.spec)\(cache)`.\n\n"
        md += "## Endpoints\n\n| network | split | loss | error |\n|---|---|---|---|\n"
        for (network, splits) in summary.networks.sorted(by: { $0.key < $1.key }) {
            for (split, m) in splits.sorted(by: { $0.key > $1.key }) {
                md += "| \(network) | \(split) | \(fixed(m.loss, 4)) | \(percent(m.error)) |\n"
            }
        }
        let plain = order.filter { summary.interpolations[$0]?.points == nil && summary.interpolations[$0]?.lambdas == nil }
        let triangles = order.filter { summary.interpolations[$0]?.lambdas != nil }
        let series = order.filter { summary.interpolations[$0]?.points != nil }
        let splits = Set(summary.interpolations.values.flatMap { $0.allPoints.flatMap { $0.splits.keys } }).sorted(by: >)
        if !plain.isEmpty {
            md += "\n## Interpolations\n\n| interpolation | permutation | split | loss barrier | error barrier (pts) |\n"
            md += "|---|---|---|---|---|\n"
            for name in plain {
                guard let result = summary.interpolations[name], let point = result.allPoints.first else { continue }
                for (split, curve) in point.splits.sorted(by: { $0.key > $1.key }) {
                    md += "| \(name) | \(point.permutation) | \(split) | \(fixed(curve.lossBarrier, 4)) | "
                    md += "\(fixed(curve.errorBarrier.map { $0 * 100 }, 2)) |\n"
                }
            }
            // Swept copies would crowd the chart; the sweep plot below shows them.
            let drawn = plain.count <= 10 ? plain : plain.filter { !$0.contains("@") }
            for split in splits where !drawn.isEmpty {
                let chart = LineChart(
                    title: "Error along the path (\(split))", xTitle: "α", yTitle: "error (%)",
                    series: drawn.compactMap { name in
                        guard let result = summary.interpolations[name], let point = result.allPoints.first,
                            let error = point.splits[split]?.error
                        else { return nil }
                        return .init(
                            name: "\(name) (\(point.permutation))", points: zip(result.alphas, error).map { ($0, $1 * 100) })
                    })
                try write(chart, "curves-\(split).svg", in: directory)
                md += "\n![error along the path, \(split)](curves-\(split).svg)\n"
            }
        }
        let naive = series.first { name in
            summary.interpolations[name]?.points?.allSatisfy { $0.permutation == "identity" } == true
        }
        for name in series {
            guard let points = summary.interpolations[name]?.points else { continue }
            let steps = Array(Set(points.map(\.position))).sorted()
            let labels = steps.map { step in points.first { $0.position == step }?.positionLabel ?? String(step) }
            let levels = points.contains { $0.level != nil }
            let axis = levels ? "pruning level (density)" : "training step"
            md += "\n## \(name): barrier along \(levels ? "pruning levels" : "training")\n\n"
            for split in splits {
                md += "Error barrier (pts) on \(split), permutation × \(axis):\n\n"
                md += "| permutation | " + labels.joined(separator: " | ") + " |\n"
                md += "|---|" + String(repeating: "---|", count: steps.count) + "\n"
                let endpoints = steps.map { step in
                    let curve = points.first { $0.position == step }?.splits[split]?.error
                    return "\(fixed(curve?.first.map { $0 * 100 }, 1)) / \(fixed(curve?.last.map { $0 * 100 }, 1))"
                }
                md += "| *endpoint errors (%), A / B* | " + endpoints.joined(separator: " | ") + " |\n"
                for permutation in permutations(points) {
                    let cells = steps.map { step in
                        fixed(
                            points.first { $0.position == step && $0.permutationRow == permutation }?.splits[split]?.errorBarrier
                                .map { $0 * 100 }, 2)
                    }
                    md += "| \(permutation) | " + cells.joined(separator: " | ") + " |\n"
                }
                var lines = permutations(points).map { permutation in
                    LineChart.Series(name: permutation, points: line(points, permutation, split, steps))
                }
                if let naive, naive != name, let reference = summary.interpolations[naive]?.points {
                    lines.append(.init(name: naive, points: line(reference, "identity", split, steps), dashed: true))
                }
                let chart = LineChart(
                    title: "\(name): error barrier (\(split))", xTitle: axis,
                    yTitle: "error barrier (pts)", series: lines,
                    xLabels: labels.enumerated().map { (Double($0.offset), $0.element) })
                let file = "\(name)-\(split).svg"
                try write(chart, file, in: directory)
                md += "\n![\(name) on \(split)](\(file))\n\n"
            }
        }
        md += try simplexSection(summary, triangles, splits: splits, directory: directory)
        md += cycleSection(summary)
        md += try sweepSection(summary, splits: splits, directory: directory)
        md += "\nEvery number above is in `summary.json`; the plotted series are in `curves.csv` and `barriers.csv`.\n"
        try ResultWriter.atomicWrite(Data(md.utf8), to: directory + "/report.md")
        removePlots(notLinkedFrom: md, in: directory)
    }

    /// Deletes the SVG plots an earlier report of the same name left that this one does not link, so the
    /// folder holds what its report shows and nothing stale.
    private static func removePlots(notLinkedFrom report: String, in directory: String) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for file in files where file.hasSuffix(".svg") && !report.contains("](\(file))") {
            try? FileManager.default.removeItem(atPath: directory + "/" + file)
        }
    }

    /// Interpolations of three or more networks: N-way barrier, centroid, pairwise barriers; heat maps of
    /// the test error over a triangle and of the pairwise test error barriers (at most 12 of each).
    private static func simplexSection(_ summary: Summary, _ names: [String], splits: [String], directory: String) throws
        -> String
    {
        guard !names.isEmpty else { return "" }
        var md = "\n## Three or more networks\n\n"
        md += "| interpolation | networks | permutation | split | N-way error barrier (pts) | centroid error | "
        md += "centroid excess (pts) | pairwise error barrier, mean / max (pts) |\n|---|---|---|---|---|---|---|---|\n"
        // Many swept simplices would bury the report in plots: then only the largest sweep value's are drawn.
        let drawn = names.count <= 12 ? names : Self.atLargestSweepValue(names)
        var plots = ""
        for name in names {
            guard let result = summary.interpolations[name], let lambdas = result.lambdas else { continue }
            for split in splits {
                let curve = result.splits?[split]
                let pairwise = (result.pairs ?? []).compactMap { $0.splits?[split]?.errorBarrier }.map { $0 * 100 }
                let mean = pairwise.isEmpty ? nil : pairwise.reduce(0, +) / Double(pairwise.count)
                md += "| \(name) | \(result.between.count): \(result.between.joined(separator: ", ")) | "
                md += "\(result.permutation ?? "identity") | \(split) | \(fixed(curve?.errorBarrier.map { $0 * 100 }, 2)) | "
                md += "\(percent(curve?.centroidError)) | \(fixed(curve?.centroidExcessError.map { $0 * 100 }, 2)) | "
                md += "\(fixed(mean, 2)) / \(fixed(pairwise.max(), 2)) |\n"
            }
            guard drawn.contains(name) else { continue }
            // Heat maps for the test split only: the one the claims are about.
            if lambdas.first?.count == 3, let error = result.splits?["test"]?.error, lambdas.count == error.count {
                let chart = SimplexChart(
                    title: "\(name): test error over the triangle", corners: result.between, points: lambdas,
                    values: error.map { $0 * 100 })
                let file = "\(name)-simplex-test.svg"
                try ResultWriter.atomicWrite(Data(chart.svg().utf8), to: directory + "/" + file)
                plots += "\n![\(name): test error over the triangle](\(file))\n"
            }
            if let pairs = result.pairs, !pairs.isEmpty {
                let n = result.between
                var values = [[Double?]](repeating: [Double?](repeating: nil, count: n.count), count: n.count)
                for pair in pairs {
                    guard let i = n.firstIndex(of: pair.between[0]), let j = n.firstIndex(of: pair.between[1]) else { continue }
                    let barrier = pair.splits?["test"]?.errorBarrier.map { $0 * 100 }
                    (values[i][j], values[j][i]) = (barrier, barrier)
                }
                let chart = MatrixChart(
                    title: "\(name): pairwise test error barriers (pts)", names: n.map(ResultWriter.baseName), values: values)
                let file = "\(name)-pairs-test.svg"
                try ResultWriter.atomicWrite(Data(chart.svg().utf8), to: directory + "/" + file)
                plots += "\n![\(name): pairwise test error barriers](\(file))\n"
            }
        }
        return md + plots
    }

    /// Cycle consistency of pairwise alignments: per cycle, the fraction of units that come back.
    private static func cycleSection(_ summary: Summary) -> String {
        guard let cycles = summary.cycles, !cycles.isEmpty else { return "" }
        var md = "\n## Cycle consistency of pairwise alignments\n\n"
        md += "Fraction of units that the cycle a → b → c → a, composed from the pairwise alignments, maps to themselves "
        md +=
            "(1 for alignments into one shared order).\n\n| networks | alignments | method | sweep | units fixed | per group |\n"
        md += "|---|---|---|---|---|---|\n"
        for c in cycles {
            let sweep = (c.sweep ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            let groups = c.groups.sorted { $0.key < $1.key }.map { "\($0.key) \(percent($0.value))" }.joined(separator: ", ")
            md += "| \(c.networks.joined(separator: " → ")) | \(c.alignments.joined(separator: ", ")) | \(c.method) | "
            md += "\(sweep.isEmpty ? "-" : sweep) | \(percent(c.fixed)) | \(groups) |\n"
        }
        return md
    }

    /// The names whose first sweep variable has its largest value among `names`.
    private static func atLargestSweepValue(_ names: [String]) -> [String] {
        let first = names.compactMap { ResultWriter.coordinates(inName: $0).first }
        let largest = first.max { (Double($0.value) ?? 0, $0.value) < (Double($1.value) ?? 0, $1.value) }
        return names.filter { ResultWriter.coordinates(inName: $0).first == largest }
    }

    /// For each sweep variable that comes first in a swept interpolation's name: error barrier against its
    /// values, one line per interpolation and permutation and, over two or more variables, per value of
    /// the others (records of plain, swept interpolations).
    private static func sweepSection(_ summary: Summary, splits: [String], directory: String) throws -> String {
        let swept = summary.barriers.filter { $0.step == nil && $0.level == nil && !$0.sweep.isEmpty }
        let paths = swept.filter { $0.networks == nil }
        var md = try sweepTables(
            paths, title: "Barrier", quantity: "Error barrier (pts)", file: "sweep", splits: splits, directory: directory
        ) { $0.errorBarrier }
        // Interpolations of N networks: the centroid's excess error, and the mean of the pairwise barriers.
        let simplices = swept.filter { $0.networks != nil && $0.from == nil }
        md += try sweepTables(
            simplices, title: "Centroid excess error", quantity: "Centroid error above the networks' mean (pts)",
            file: "centroid", splits: splits, directory: directory, plotsIdentity: false
        ) { $0.centroidExcessError }
        var means: [Summary.BarrierRecord] = []
        for record in swept where record.from != nil {
            let same = { (r: Summary.BarrierRecord) in
                r.interpolation == record.interpolation && r.permutation == record.permutation && r.split == record.split
                    && r.sweep == record.sweep && r.from != nil
            }
            guard !means.contains(where: same) else { continue }
            let barriers = swept.filter(same).compactMap(\.errorBarrier)
            var mean = record
            mean.errorBarrier = barriers.reduce(0, +) / Double(max(barriers.count, 1))
            means.append(mean)
        }
        md += try sweepTables(
            means, title: "Mean pairwise barrier", quantity: "Mean pairwise error barrier (pts)", file: "pairwise",
            splits: splits, directory: directory, plotsIdentity: false
        ) { $0.errorBarrier }
        return md
    }

    /// A table and a plot of `value` against each sweep variable that comes first in a record's sweep.
    ///
    /// `value` is a fraction, shown in points; one line per interpolation and permutation and, over two or
    /// more variables, per value of the others. Without `plotsIdentity`, unaligned lines are in the table
    /// but not the plot, whose scale they would flatten.
    private static func sweepTables(
        _ swept: [Summary.BarrierRecord], title: String, quantity: String, file prefix: String, splits: [String],
        directory: String, plotsIdentity: Bool = true, value: (Summary.BarrierRecord) -> Double?
    ) throws -> String {
        /// A record's line: its interpolation and permutation, and the values of the variables after the first.
        func lineName(_ r: Summary.BarrierRecord) -> String {
            (["\(r.interpolation) (\(r.permutation))"] + r.sweep.dropFirst().map { "\($0.name)=\($0.value)" })
                .joined(separator: ", ")
        }
        var md = ""
        for variable in Set(swept.map { $0.sweep[0].name }).sorted() {
            let records = swept.filter { $0.sweep[0].name == variable }
            let values = Array(Set(records.map { $0.sweep[0].value })).sorted {
                (Double($0) ?? .infinity, $0) < (Double($1) ?? .infinity, $1)
            }
            var lines: [String] = []
            for r in records where !lines.contains(lineName(r)) { lines.append(lineName(r)) }
            md += "\n## \(title) against \(variable)\n\n"
            for split in splits {
                md += "\(quantity) on \(split):\n\n| interpolation | " + values.joined(separator: " | ") + " |\n"
                md += "|---|" + String(repeating: "---|", count: values.count) + "\n"
                var series: [LineChart.Series] = []
                for line in lines {
                    let cells: [Double?] = values.map { v in
                        records.first { lineName($0) == line && $0.split == split && $0.sweep[0].value == v }
                            .flatMap(value).map { $0 * 100 }
                    }
                    md += "| \(line) | " + cells.map { fixed($0, 2) }.joined(separator: " | ") + " |\n"
                    if !plotsIdentity && line.contains("(identity)") { continue }
                    series.append(
                        .init(name: line, points: cells.enumerated().compactMap { i, y in y.map { (Double(i), $0) } }))
                }
                let chart = LineChart(
                    title: "\(title) against \(variable) (\(split))",
                    xTitle: "\(variable) (its values evenly spaced, in numeric order)", yTitle: quantity.lowercased(),
                    series: series, xLabels: values.enumerated().map { (Double($0.offset), $0.element) })
                let file = "\(prefix)-\(variable)-\(split).svg"
                try write(chart, file, in: directory)
                md += "\n![\(title.lowercased()) against \(variable), \(split)](\(file))\n\n"
            }
        }
        return md
    }

    /// Permutation labels in order of first appearance.
    private static func permutations(_ points: [Summary.Point]) -> [String] {
        var seen: [String] = []
        for p in points where !seen.contains(p.permutationRow) { seen.append(p.permutationRow) }
        return seen
    }

    /// A permutation's error barriers (pts) by checkpoint index.
    private static func line(_ points: [Summary.Point], _ permutation: String, _ split: String, _ steps: [Int])
        -> [(x: Double, y: Double)]
    {
        steps.enumerated().compactMap { index, step in
            guard
                let value = points.first(where: { $0.position == step && $0.permutationRow == permutation })?.splits[split]?
                    .errorBarrier
            else { return nil }
            return (Double(index), value * 100)
        }
    }

    private static func write(_ chart: LineChart, _ name: String, in directory: String) throws {
        try ResultWriter.atomicWrite(Data(chart.svg().utf8), to: directory + "/" + name)
    }

    private static func fixed(_ value: Double?, _ digits: Int) -> String {
        value.map { String(format: "%.\(digits)f", $0) } ?? "-"
    }

    private static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
}
