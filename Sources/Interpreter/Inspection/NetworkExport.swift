import DSL
import Engine
import Foundation

/// `lmc export`: a cached network (optionally permuted by a cached alignment) written as a safetensors
/// state dict in PyTorch's layout (`fc1.weight` `[out, in]`, …), for PyTorch users.
public enum NetworkExport {
    /// Writes the network atomically to `path`.
    ///
    /// - Throws: `RunError` if the plan has no such network or alignment, or they are not cached yet.
    public static func write(
        network: String, permutedBy alignment: String?, plan: Plan, cacheDirectory: String, to path: String
    ) throws {
        let sources = ["train/\(network)", "load/\(network)", "mask/\(network)"]
        guard let index = plan.steps.firstIndex(where: { sources.contains($0.name) }) else {
            throw RunError(description: "the spec has no network '\(network)'")
        }
        let keys = try Runner.keys(for: plan, cacheDirectory: cacheDirectory)
        let store = ContentStore(root: cacheDirectory)
        func artifact(_ i: Int) throws -> Artifact {
            let step = plan.steps[i]
            guard store.contains(keys[i]) else { throw RunError(description: "\(step.name) is not cached; run `lmc run` first") }
            do { return try Artifact.decode(step, files: try store.read(keys[i])) } catch {
                throw RunError(description: "\(step.name): \(error)")
            }
        }
        guard var exported = try artifact(index).network?.final else {
            throw RunError(description: "\(network) is not a network")
        }
        if let alignment {
            guard let a = plan.steps.firstIndex(where: { $0.name == "align/\(alignment)" }),
                plan.steps[a].inputs.first == plan.steps[index].name
            else { throw RunError(description: "no alignment '\(alignment)' that permutes '\(network)'") }
            guard case .alignment(let record) = try artifact(a) else {
                throw RunError(description: "align/\(alignment) is not an alignment")
            }
            let permutations = try record.permutations()
            guard permutations.map(\.count) == exported.permutationSpec.groups.map(\.size) else {
                throw RunError(description: "align/\(alignment) does not fit '\(network)'")
            }
            exported = exported.permuted(by: permutations)
        }
        let metadata = ["network": network, "permutation": alignment.map { "\($0)@end" } ?? "identity"]
        do {
            try ResultWriter.atomicWrite(Data(SafeTensors.encode(exported.namedTensors, metadata: metadata)), to: path)
        } catch {
            throw RunError(description: "cannot write \(path): \(error)")
        }
    }
}
