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

    package static func key(for step: PlanStep, inputKeys: [String], datasetDigest: String) -> String {
        let action = (try? JSONEncoder.lmc().encode(step.action)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var hasher = SHA256()
        hasher.update("salt=\(engineSalt)\nkind=\(step.kind)\naction=\(action)\ndata=\(datasetDigest)\n")
        for key in inputKeys { hasher.update("input=\(key)\n") }
        return hasher.finalize()
    }
}
