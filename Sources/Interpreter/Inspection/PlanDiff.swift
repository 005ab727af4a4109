import DSL

/// What `lmc diff OLD NEW` shows: which steps the old plan's results cover, and which must be computed.
///
/// Also why a step is recomputed, and which steps appear or disappear. Compares cache keys, so it is
/// exact: a "reused" step is one whose result the old spec's run already produced.
public struct PlanDiff: Sendable, Codable {
    public struct Recomputed: Sendable, Codable {
        public var node: String
        /// `parameters` when the step's own settings changed, or `input <name>` for the first input
        /// whose result changed.
        public var because: String
    }

    /// A step the new plan computes under another name than the old one did (same key).
    public struct Renamed: Sendable, Codable {
        public var from: String
        public var to: String
    }

    public var parameters: [ParameterChange]
    /// New steps whose result the old plan computes too (same key) under the same name.
    public var reused: [String]
    /// New steps whose result the old plan computes under another name (renaming a network, say).
    public var renamed: [Renamed] = []
    /// Steps in both plans whose key changed.
    public var recomputed: [Recomputed]
    /// Steps only in the new plan, whose result the old plan does not have.
    public var added: [String]
    /// Steps only in the old plan.
    public var removed: [String]

    /// Compares two plans (and the spec trees they come from).
    ///
    /// - Throws: `RunError` if a dataset cannot be read for its digest.
    /// - Parameter cacheDirectory: where file digests are remembered, so datasets are not hashed again.
    public static func between(
        old: (tree: YAMLNode, plan: Plan), new: (tree: YAMLNode, plan: Plan), cacheDirectory: String? = nil
    ) throws -> PlanDiff {
        let oldKeys = try Runner.keys(for: old.plan, cacheDirectory: cacheDirectory)
        let newKeys = try Runner.keys(for: new.plan, cacheDirectory: cacheDirectory)
        let oldByName = Dictionary(zip(old.plan.steps.map(\.name), oldKeys), uniquingKeysWith: { a, _ in a })
        let newByName = Dictionary(zip(new.plan.steps.map(\.name), newKeys), uniquingKeysWith: { a, _ in a })
        let known = Set(oldKeys)
        var diff = PlanDiff(
            parameters: ParameterChange.between(old.tree, new.tree), reused: [], recomputed: [], added: [], removed: [])
        let oldNameOf = Dictionary(zip(oldKeys, old.plan.steps.map(\.name)), uniquingKeysWith: { a, _ in a })
        for (step, key) in zip(new.plan.steps, newKeys) {
            if known.contains(key) {
                if let from = oldNameOf[key], oldByName[step.name] != key, newByName[from] == nil {
                    diff.renamed.append(.init(from: from, to: step.name))
                } else {
                    diff.reused.append(step.name)
                }
            } else if oldByName[step.name] != nil {
                let changedInput = step.inputs.first { input in
                    guard let key = newByName[input] else { return false }
                    return !known.contains(key)
                }
                diff.recomputed.append(.init(node: step.name, because: changedInput.map { "input \($0)" } ?? "parameters"))
            } else {
                diff.added.append(step.name)
            }
        }
        let renamedFrom = Set(diff.renamed.map(\.from))
        diff.removed = old.plan.steps.map(\.name).filter { newByName[$0] == nil && !renamedFrom.contains($0) }
        return diff
    }
}
