import DSL
import Engine

/// Assembles a `Summary` from the artifacts of a plan's evaluation and interpolation steps.
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
            // The point nearest the centroid (the centroid itself when the grid's divisions are a multiple of 3).
            let centroid = curve.lambdas.flatMap { points in points.indices.max { points[$0].min() ?? 0 < points[$1].min() ?? 0 }
            }
            func barrier(_ values: [Double]) -> Double {
                if let points = curve.lambdas { return Interpolation.simplexBarrier(points: points, values: values) }
                return Interpolation.barrier(alphas: curve.alphas, values: values)
            }
            for (split, series) in curve.splits.sorted(by: { $0.key < $1.key }) {
                var entry = Summary.SplitCurve(
                    loss: series.loss, error: series.error, lossBarrier: series.loss.map(barrier),
                    errorBarrier: series.error.map(barrier))
                if let centroid {
                    entry.centroidLoss = series.loss?[centroid]
                    entry.centroidError = series.error?[centroid]
                }
                splits[split] = entry
                barriers.append(
                    .init(
                        interpolation: path.sweepBase ?? path.interpolation, split: split, step: step, level: level,
                        density: density, permutation: path.permutation, sweep: path.coordinates,
                        lossBarrier: entry.lossBarrier, errorBarrier: entry.errorBarrier, centroidError: entry.centroidError))
            }
            if path.isSeries {
                var result =
                    interpolations[path.interpolation]
                    ?? .init(between: [path.from, path.to], alphas: curve.alphas, points: [])
                result.points?.append(
                    .init(step: step, level: level, density: density, permutation: path.permutation, splits: splits))
                interpolations[path.interpolation] = result
            } else {
                interpolations[path.interpolation] = .init(
                    between: [path.from, path.to] + (path.third.map { [$0] } ?? []), permutation: path.permutation,
                    alphas: curve.alphas, splits: splits, lambdas: curve.lambdas)
            }
        }
        return Summary(
            experiment: plan.name, spec: plan.specFile, nodes: counts, networks: networks,
            interpolations: interpolations, barriers: barriers, failures: failures)
    }
}
