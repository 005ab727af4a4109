import DSL
import Foundation

/// What `lmc explain FILE NODE` shows: whether a step is cached and, if not, the cached entry of the
/// same kind nearest to it and the exact fields of the key's description that differ.
public struct Explanation: Sendable, Codable {
    /// One field of the key's description that differs: `action.train.recipe.epochs`, `inputs[1]`, ….
    public struct Difference: Sendable, Codable {
        public var field: String
        public var cached: String?
        public var wanted: String?
        /// For a differing input: the step it is, whose own explanation goes further up.
        public var input: String?
    }

    public var node: String
    public var key: String
    public var cached: Bool
    /// The node name the nearest entry was stored under, and its key.
    public var nearest: String?
    public var nearestKey: String?
    public var differences: [Difference]

    /// Explains one step of a plan against the cache.
    ///
    /// - Throws: `UnknownName` if the plan has no such step; `RunError` if a dataset cannot be read.
    public static func of(_ node: String, in plan: Plan, cacheDirectory: String) throws -> Explanation {
        guard let index = plan.steps.firstIndex(where: { $0.name == node }) else {
            let names = plan.steps.map(\.name)
            throw UnknownName("step", node, among: names)
        }
        let described = try Runner.describe(plan, digests: try Runner.datasetDigests(plan, cacheDirectory: cacheDirectory))
        let (key, description) = described[index]
        let store = ContentStore(root: cacheDirectory)
        var result = Explanation(node: node, key: key, cached: store.contains(key), differences: [])
        guard !result.cached, let wanted = flatten(description) else { return result }
        var best: (key: String, node: String, differences: [Difference])?
        for entry in store.entries(reading: "key.json") {
            guard let file = entry.file, let candidate = flatten(file), candidate["kind"] == wanted["kind"] else { continue }
            let differences = compare(cached: candidate, wanted: wanted, step: plan.steps[index])
            let name = candidate["node"] ?? "?"
            // Fewest differences; on a tie, the entry stored under the same name.
            if let current = best,
                differences.count > current.differences.count
                    || (differences.count == current.differences.count && name != node)
            {
                continue
            }
            best = (entry.key, name, differences)
        }
        if let best {
            result.nearest = best.node
            result.nearestKey = best.key
            result.differences = best.differences
        }
        return result
    }

    private static func compare(cached: [String: String], wanted: [String: String], step: PlanStep) -> [Difference] {
        let fields = Set(cached.keys).union(wanted.keys).subtracting(["node"]).filter { !$0.hasPrefix("input_nodes") }
        return fields.sorted().compactMap { field in
            guard cached[field] != wanted[field] else { return nil }
            var difference = Difference(field: field, cached: cached[field], wanted: wanted[field])
            if field.hasPrefix("inputs["), let i = Int(field.dropFirst(7).dropLast()), i < step.inputs.count {
                difference.input = step.inputs[i]
            }
            return difference
        }
    }

    /// A list's text: whole when short, else its ends and its length (`[0, 0.1, …, 1] (11 values)`).
    private static func list(_ items: [String]) -> String {
        guard items.count > 6 else { return "[" + items.joined(separator: ", ") + "]" }
        return "[\(items[0]), \(items[1]), …, \(items[items.count - 1])] (\(items.count) values)"
    }

    /// A JSON description as path → scalar text (`action.train.recipe.epochs` → `10`).
    private static func flatten(_ bytes: [UInt8]) -> [String: String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) else { return nil }
        var result: [String: String] = [:]
        func walk(_ value: Any, _ path: String) {
            switch value {
            case let dictionary as [String: Any]:
                for (key, inner) in dictionary { walk(inner, path.isEmpty ? key : path + "." + key) }
            case let array as [Any]:
                if array.isEmpty { result[path] = "[]" }
                // A parameter that is a list of plain values (alphas, checkpoints, widths) is one value, shown
                // whole; input keys stay one field each, so a difference names its input.
                if path.hasPrefix("action"), !array.isEmpty, array.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }) {
                    result[path] = Self.list(array.map { "\($0)" })
                    return
                }
                for (i, inner) in array.enumerated() { walk(inner, path + "[\(i)]") }
            default:
                result[path] = "\(value)"
            }
        }
        walk(object, "")
        return result
    }
}
