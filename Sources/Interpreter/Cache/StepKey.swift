import DSL
import Foundation

/// Cache keys: SHA-256 over a canonical description of what a step computes.
///
/// The description holds the step's kind and parameters (sorted-key JSON of its action, which carries no
/// names), the keys of its inputs in order, the content digest of its dataset, and `engineSalt`. Names,
/// comments and paths are not part of it: renaming a network or moving a dataset folder reuses work.
package enum StepKey {
    /// Bumped whenever the engine's numerics change, so old results are not reused for new code.
    package static let engineSalt = "lmc-engine-2"
    /// Added to the salt of steps that make a convolutional network (train, load), and so, through input
    /// keys, to everything computed from one: conv numerics can change without recomputing MLP results.
    package static let convSalt = "conv-2"

    /// Added to the salt of steps that measure paths (interpolations, simplices).
    ///
    /// A path of networks that start with a linear layer is measured through its ends' first-layer
    /// products, which rounds differently from multiplying by mixed weights (path-3: unbiased first
    /// layers too). It covers every path step, conv and REPAIR paths too, whose numbers did not change:
    /// one salt is simpler than knowing, before running, which route a path takes.
    package static let pathSalt = "path-3"

    static func salt(for step: PlanStep) -> String {
        switch step.action {
        case .train(let model, _, _) where model.hasConvolutions, .load(let model, _) where model.hasConvolutions:
            "\(engineSalt)+\(convSalt)"
        case .interpolate, .simplex: "\(engineSalt)+\(pathSalt)"
        default: engineSalt
        }
    }

    /// - Throws: `RunError` if the action does not encode: no two actions may share a key.
    package static func key(for step: PlanStep, inputKeys: [String], datasetDigest: String) throws(RunError) -> String {
        let encoded: Data
        do { encoded = try JSONEncoder.lmc().encode(step.action) } catch {
            throw RunError(description: "internal error: \(step.name)'s parameters do not encode for its cache key: \(error)")
        }
        let action = String(decoding: encoded, as: UTF8.self)
        var hasher = SHA256()
        hasher.update("salt=\(salt(for: step))\nkind=\(step.kind)\naction=\(action)\ndata=\(datasetDigest)\n")
        for key in inputKeys { hasher.update("input=\(key)\n") }
        return hasher.finalize()
    }

    /// What the key covers, as JSON stored beside each entry (`key.json`).
    ///
    /// `lmc explain` uses it to say which field keeps a step from its nearest cached result. Informative
    /// only: never read to decide a hit.
    package static func description(for step: PlanStep, inputKeys: [String], datasetDigest: String) -> [UInt8] {
        let action = (try? JSONEncoder.lmc().encode(step.action)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        let object: [String: Any] = [
            "salt": salt(for: step), "kind": step.kind, "action": action ?? NSNull(), "data": datasetDigest,
            "inputs": inputKeys, "input_nodes": step.inputs, "node": step.name,
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])).map { [UInt8]($0) }
            ?? []
    }
}
