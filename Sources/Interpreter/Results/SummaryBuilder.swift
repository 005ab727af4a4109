import DSL
import Engine

/// Assembles a `Summary` from the artifacts of a plan's evaluation, interpolation and cycle steps.
enum SummaryBuilder {
    static func build(plan: Plan, artifacts: [String: Artifact], counts: Summary.NodeCounts, failures: [Summary.Failure])
        -> Summary
    {
        var networks: [String: [String: Summary.SplitMetrics]] = [:]
        for endpoint in plan.endpoints {
            guard case .measurements(let byS)? = artifacts[endpoint.evaluationStep] else { continue }
            networks[endpoint.network] = byS.mapValues { m in
                Summary.SplitMetrics(
                    loss: plan.evaluation.metrics.contains(.loss) ? m.loss : nil,
                    error: plan.evaluation.metrics.contains(.error) ? m.error : nil)
            }
        }
        var interpolations: [String: Summary.InterpolationResult] = [:]
        var barriers: [Summary.BarrierRecord] = []
        for path in plan.paths {
            guard case .curve(let curve)? = artifacts[path.step] else { continue }
            let level = path.moment.level
            let step: Int? = path.isSeries && level == nil ? (path.moment.checkpoint ?? curve.step) : nil
            let density = level.map { $0 == 0 ? 1 : curve.density ?? .nan }
            var splits: [String: Summary.SplitCurve] = [:]
            for (split, series) in curve.splits.sorted(by: { $0.key < $1.key }) {
                let entry = splitCurve(series, curve)
                splits[split] = entry
                var record = Summary.BarrierRecord(
                    interpolation: path.sweepBase ?? path.interpolation, split: split, step: step, level: level,
                    density: density, permutation: path.permutation, sweep: path.coordinates,
                    lossBarrier: entry.lossBarrier, errorBarrier: entry.errorBarrier, centroidError: entry.centroidError)
                record.centroidExcessLoss = entry.centroidExcessLoss
                record.centroidExcessError = entry.centroidExcessError
                if !path.networks.isEmpty { record.networks = path.networks.count }
                if let n = path.simplexSize {
                    record.networks = n
                    (record.from, record.to) = (ResultWriter.baseName(path.from), ResultWriter.baseName(path.to))
                }
                barriers.append(record)
            }
            if path.simplexSize != nil {
                // A pair of an N-network interpolation: listed under it (its simplex path comes first in the plan).
                let pair = Summary.InterpolationResult(
                    between: [path.from, path.to], permutation: path.permutation, alphas: curve.alphas, splits: splits)
                let earlier = interpolations[path.interpolation]?.pairs ?? []
                interpolations[path.interpolation]?.pairs = earlier + [pair]
            } else if path.isSeries {
                var result =
                    interpolations[path.interpolation]
                    ?? .init(between: [path.from, path.to], alphas: curve.alphas, points: [])
                result.points?.append(
                    .init(step: step, level: level, density: density, permutation: path.permutation, splits: splits))
                interpolations[path.interpolation] = result
            } else {
                interpolations[path.interpolation] = .init(
                    between: path.networks.isEmpty ? [path.from, path.to] : path.networks, permutation: path.permutation,
                    alphas: curve.alphas, splits: splits, lambdas: curve.lambdas)
            }
        }
        var cycles: [Summary.CycleResult] = []
        for cycle in plan.cycles {
            guard case .cycle(let record)? = artifacts[cycle.step] else { continue }
            cycles.append(
                .init(
                    networks: cycle.networks, alignments: cycle.alignments, method: cycle.method, fixed: record.fixed,
                    groups: Dictionary(record.groups.map { ($0.name, $0.fixed) }, uniquingKeysWith: { a, _ in a }),
                    sweep: cycle.coordinates.isEmpty
                        ? nil : Dictionary(cycle.coordinates.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })))
        }
        return Summary(
            experiment: plan.name, spec: plan.specFile, nodes: counts, networks: networks,
            interpolations: interpolations, barriers: barriers, failures: failures, cycles: cycles.isEmpty ? nil : cycles)
    }

    /// A split's curves with their barriers and, over a simplex, the centroid's values and excess.
    private static func splitCurve(_ series: Curve.SplitCurve, _ curve: Curve) -> Summary.SplitCurve {
        func barrier(_ values: [Double]) -> Double {
            if let points = curve.lambdas { return Interpolation.simplexBarrier(points: points, values: values) }
            return Interpolation.barrier(alphas: curve.alphas, values: values)
        }
        var entry = Summary.SplitCurve(
            loss: series.loss, error: series.error, lossBarrier: series.loss.map(barrier),
            errorBarrier: series.error.map(barrier))
        guard let points = curve.lambdas else { return entry }
        // The point nearest the centroid (the centroid itself: the plan always measures it), and the vertices.
        let centroid = points.indices.max { points[$0].min() ?? 0 < points[$1].min() ?? 0 }
        let vertices = points.indices.filter { points[$0].contains(1) }
        func excess(_ values: [Double]?) -> Double? {
            guard let values, let centroid, !vertices.isEmpty else { return nil }
            return values[centroid] - vertices.reduce(0.0) { $0 + values[$1] } / Double(vertices.count)
        }
        if let centroid {
            entry.centroidLoss = series.loss?[centroid]
            entry.centroidError = series.error?[centroid]
        }
        entry.centroidExcessLoss = excess(series.loss)
        entry.centroidExcessError = excess(series.error)
        return entry
    }
}
