import DSL

/// Reads the cached results a run needs before computing anything: every reported step's, and every
/// input of a step to compute.
enum CachedArtifacts {
    /// Loads what is needed; an entry that fails its checksums or cannot be decoded is set aside and its
    /// step turned into work (`toCompute[i] = true`), which may in turn need its own inputs.
    static func load(
        _ plan: Plan, keys: [String], store: ContentStore, toCompute: inout [Bool],
        events: @Sendable (RunEvent) -> Void
    ) -> [Artifact?] {
        var artifacts = [Artifact?](repeating: nil, count: keys.count)
        let indexOf = Dictionary(plan.steps.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        var changed = true
        while changed {
            changed = false
            var needed = Set<Int>()
            for (i, step) in plan.steps.enumerated() {
                if step.isReported { needed.insert(i) }
                if toCompute[i] { needed.formUnion(step.inputs.compactMap { indexOf[$0] }) }
            }
            for i in needed.sorted() where artifacts[i] == nil && !toCompute[i] {
                do {
                    artifacts[i] = try Artifact.decode(plan.steps[i], files: try store.read(keys[i]))
                } catch {
                    // `read` already set aside entries that fail their checksums; this one decoded badly.
                    if !(error is ContentStore.CorruptEntry) { store.discard(keys[i]) }
                    events(.warning("\(plan.steps[i].name): \(error); recomputing"))
                    toCompute[i] = true
                    changed = true
                }
            }
        }
        return artifacts
    }
}

extension PlanStep {
    /// Whether the step's result appears in the summary, so a run needs it even when it is cached.
    var isReported: Bool {
        switch action {
        case .evaluate, .interpolate, .simplex, .cycleConsistency: true
        case .train, .load, .prune, .retrainMasked, .align, .alignJointly: false
        }
    }
}
