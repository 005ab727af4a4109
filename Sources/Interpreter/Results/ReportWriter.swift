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
        md += try triangleSection(summary, triangles, splits: splits, directory: directory)
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

    /// Three-network interpolations: barrier, centroid error, and a heat map of the error over the triangle.
    private static func triangleSection(_ summary: Summary, _ names: [String], splits: [String], directory: String) throws
        -> String
    {
        guard !names.isEmpty else { return "" }
        var md =
            "\n## Three networks\n\n| interpolation | networks | permutation | split | 3-way error barrier (pts) | centroid error |\n"
        md += "|---|---|---|---|---|---|\n"
        for name in names {
            guard let result = summary.interpolations[name], let lambdas = result.lambdas else { continue }
            for split in splits {
                let curve = result.splits?[split]
                md += "| \(name) | \(result.between.joined(separator: ", ")) | \(result.permutation ?? "identity") | \(split) | "
                md += "\(fixed(curve?.errorBarrier.map { $0 * 100 }, 2)) | \(percent(curve?.centroidError)) |\n"
            }
            // Heat maps for the test split only: the one the claims are about.
            if let error = result.splits?["test"]?.error, lambdas.count == error.count {
                let chart = SimplexChart(
                    title: "\(name): test error over the triangle", corners: result.between, points: lambdas,
                    values: error.map { $0 * 100 })
                let file = "\(name)-simplex-test.svg"
                try ResultWriter.atomicWrite(Data(chart.svg().utf8), to: directory + "/" + file)
                md += "\n![\(name): test error over the triangle](\(file))\n\n"
            }
        }
        return md
    }

    /// For each sweep variable that comes first in a swept interpolation's name: error barrier against its
    /// values, one line per interpolation and permutation and, over two or more variables, per value of
    /// the others (records of plain, swept interpolations).
    private static func sweepSection(_ summary: Summary, splits: [String], directory: String) throws -> String {
        let swept = summary.barriers.filter {
            $0.step == nil && $0.level == nil && !$0.sweep.isEmpty
        }
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
            md += "\n## Barrier against \(variable)\n\n"
            for split in splits {
                md += "Error barrier (pts) on \(split):\n\n| interpolation | " + values.joined(separator: " | ") + " |\n"
                md += "|---|" + String(repeating: "---|", count: values.count) + "\n"
                var series: [LineChart.Series] = []
                for line in lines {
                    let cells: [Double?] = values.map { value in
                        records.first { lineName($0) == line && $0.split == split && $0.sweep[0].value == value }?
                            .errorBarrier.map { $0 * 100 }
                    }
                    md += "| \(line) | " + cells.map { fixed($0, 2) }.joined(separator: " | ") + " |\n"
                    series.append(
                        .init(name: line, points: cells.enumerated().compactMap { i, y in y.map { (Double(i), $0) } }))
                }
                let chart = LineChart(
                    title: "Error barrier against \(variable) (\(split))",
                    xTitle: "\(variable) (its values evenly spaced, in numeric order)", yTitle: "error barrier (pts)",
                    series: series, xLabels: values.enumerated().map { (Double($0.offset), $0.element) })
                let file = "sweep-\(variable)-\(split).svg"
                try write(chart, file, in: directory)
                md += "\n![barrier against \(variable), \(split)](\(file))\n\n"
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
