extension SectionDecoder {
    func evaluation(_ node: YAMLNode) -> EvaluationSpec? {
        let what = "evaluation"
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.evaluation) else {
            return nil
        }
        var result = EvaluationSpec.standard
        var ok = true
        if let alphasNode = f.optional("alphas") {
            if let alphas = alphas(alphasNode) { result.alphas = alphas } else { ok = false }
        }
        if let splitsNode = f.optional("splits"), let entries = reader.entries(splitsNode, of: "evaluation.splits") {
            var splits: [EvaluationSpec.SplitSize] = []
            for entry in entries {
                guard let split = EvaluationSpec.Split(rawValue: entry.key) else {
                    let names = EvaluationSpec.Split.allCases.map(\.rawValue)
                    reader.sink.error(
                        "unknown-key", at: entry.keyLocation,
                        "unknown split '\(entry.key)'; splits are train and test" + Suggestion.hint(for: entry.key, among: names))
                    ok = false
                    continue
                }
                if reader.plainScalar(entry.value) == "all" {
                    splits.append(.init(split: split, count: nil))
                } else if let count = reader.int(
                    entry.value, "the size of split '\(entry.key)' (a count or 'all')", atLeast: 1, atMost: 10_000_000)
                {
                    splits.append(.init(split: split, count: count))
                } else {
                    ok = false
                }
            }
            if splits.isEmpty && ok {
                reader.rangeError(splitsNode, "evaluation.splits must name at least one split"); ok = false
            }
            result.splits = splits.sorted { $0.split < $1.split }
        }
        if let metricsNode = f.optional("metrics"), let items = reader.list(metricsNode, "evaluation.metrics") {
            let metrics = items.map { reader.choice($0, "a metric", as: EvaluationSpec.Metric.self) }
            if metrics.contains(where: { $0 == nil }) || items.isEmpty {
                if items.isEmpty { reader.rangeError(metricsNode, "evaluation.metrics must name at least one metric") }
                ok = false
            } else {
                result.metrics = EvaluationSpec.Metric.allCases.filter { metrics.contains($0) }
            }
        }
        if let batchNode = f.optional("batch") {
            if let batch = reader.int(batchNode, "evaluation.batch", atLeast: 1, atMost: 1 << 16) {
                result.batchSize = batch
            } else {
                ok = false
            }
        }
        if let node = f.optional("batchnorm_reset") {
            if let examples = reader.int(node, "evaluation.batchnorm_reset", atLeast: 0, atMost: 10_000_000) {
                result.batchNormReset = examples
            } else {
                ok = false
            }
        }
        if let node = f.optional("repair_examples") {
            if let examples = reader.int(node, "evaluation.repair_examples", atLeast: 1, atMost: 10_000) {
                result.repairExamples = examples
            } else {
                ok = false
            }
        }
        if let node = f.optional("simplex") {
            if let divisions = reader.int(node, "evaluation.simplex", atLeast: 1, atMost: 60) {
                result.simplexDivisions = divisions
            } else {
                ok = false
            }
        }
        if let node = f.optional("simplex_samples") {
            if let samples = reader.int(node, "evaluation.simplex_samples", atLeast: 0, atMost: 10_000) {
                result.simplexSamples = samples
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }

    /// Either a count of evenly spaced points, or an ascending list from 0 to 1.
    private func alphas(_ node: YAMLNode) -> [Double]? {
        if case .sequence(let items) = node.content {
            let values = items.map { reader.double($0, "an alpha", min: 0, max: 1) }
            guard values.allSatisfy({ $0 != nil }) else { return nil }
            let alphas = values.compactMap { $0 }
            guard alphas.count >= 2, alphas.first == 0, alphas.last == 1, zip(alphas, alphas.dropFirst()).allSatisfy({ $0 < $1 })
            else {
                reader.rangeError(node, "evaluation.alphas must ascend strictly from 0 to 1, with at least 2 points")
                return nil
            }
            return alphas
        }
        return reader.int(node, "evaluation.alphas (a count, or a list from 0 to 1)", atLeast: 2, atMost: 10_001)
            .map(EvaluationSpec.uniformGrid)
    }

    /// Relative paths are taken relative to the spec file's directory.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.isEmpty ? path : directory + "/" + path
    }
}

extension SectionDecoder {
    func executor(_ node: YAMLNode) -> ExecutorSpec? {
        guard let f = reader.fields(node, of: "executor", allowed: SpecKeys.executor) else { return nil }
        var result = ExecutorSpec()
        var ok = true
        if let n = f.optional("kind") {
            if let kind = reader.choice(n, "executor.kind", as: ExecutorSpec.Kind.self) { result.kind = kind } else { ok = false }
        }
        if let n = f.optional("partition") {
            if let value = reader.string(n, "executor.partition") { result.partition = value } else { ok = false }
        }
        if let n = f.optional("time") {
            // Slurm's formats are many (`30`, `1:30:00`, `2-12`): sbatch checks the value.
            if let value = reader.string(n, "executor.time") { result.time = value } else { ok = false }
        }
        if let n = f.optional("cpus_per_task") {
            if let value = reader.int(n, "executor.cpus_per_task", atLeast: 1, atMost: 1024) {
                result.cpusPerTask = value
            } else {
                ok = false
            }
        }
        if let n = f.optional("sbatch"), let items = reader.list(n, "executor.sbatch") {
            let values = items.map { reader.string($0, "an sbatch argument") }
            if values.contains(where: { $0 == nil }) { ok = false } else { result.sbatch = values.compactMap { $0 } }
        }
        return ok ? result : nil
    }
}
