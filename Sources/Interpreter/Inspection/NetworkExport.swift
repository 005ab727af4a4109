import DSL
import Engine
import Foundation

/// `lmc export`: a cached network (optionally permuted by a cached alignment) written as a safetensors
/// state dict in PyTorch's layout (`fc1.weight` `[out, in]`, …), for PyTorch users; a model imported
/// from ONNX keeps the graph's initializer names (and MatMul's `[in, out]` layout).
public enum NetworkExport {
    /// Writes the network atomically to `path`.
    ///
    /// - Throws: `UnknownName` if the plan has no such network or alignment; `RunError` if they are not
    ///   cached yet.
    public static func write(
        network: String, permutedBy alignment: String?, plan: Plan, cacheDirectory: String, to path: String
    ) throws {
        let cached = try CachedNetwork(network, plan: plan, cacheDirectory: cacheDirectory)
        guard var exported = try cached.artifact(cached.index).network?.final else {
            throw RunError(description: "\(network) is not a network")
        }
        let (index, artifact) = (cached.index, cached.artifact)
        if let alignment {
            guard let a = plan.steps.firstIndex(where: { $0.name == "align/\(alignment)" }),
                plan.steps[a].inputs.first == plan.steps[index].name
            else {
                let alignments = plan.steps.filter { $0.inputs.first == plan.steps[index].name && $0.name.hasPrefix("align/") }
                throw UnknownName(
                    "alignment", alignment, among: alignments.map { String($0.name.dropFirst(6)) },
                    context: " that permutes '\(network)'")
            }
            guard case .alignment(let record) = try artifact(a) else {
                throw RunError(description: "align/\(alignment) is not an alignment")
            }
            let permutations = try record.permutations()
            guard exported.permutationSpec.admits(permutations) else {
                throw RunError(description: "align/\(alignment) does not fit '\(network)'")
            }
            exported = exported.permuted(by: permutations)
        }
        let metadata = ["network": network, "permutation": alignment.map { "\($0)@end" } ?? "identity"]
        do {
            let tensors = imported(plan.steps[index].action)?.initializerTensors(exported) ?? exported.namedTensors
            try ResultWriter.atomicWrite(Data(SafeTensors.encode(tensors, metadata: metadata)), to: path)
        } catch {
            throw RunError(description: "cannot write \(path): \(error)")
        }
    }
}

extension NetworkExport {
    /// The ONNX graph a network's model was imported from, whose initializer names the export keeps.
    fileprivate static func imported(_ action: PlanStep.Action) -> ONNXModelSpec? {
        switch action {
        case .train(let model, _, _), .load(let model, _), .retrainMasked(let model, _, _, _, _): model.onnx
        default: nil
        }
    }
}

/// A network of a plan and the cached artifacts around it (for commands that read, never compute).
struct CachedNetwork {
    let plan: Plan
    /// The index of the step that produces the network.
    let index: Int
    let keys: [String]
    let store: ContentStore

    /// - Throws: `UnknownName` if the plan has no such network.
    init(_ network: String, plan: Plan, cacheDirectory: String) throws {
        let prefixes = ["train/", "load/", "mask/"]
        guard let index = plan.steps.firstIndex(where: { step in prefixes.contains { step.name == $0 + network } }) else {
            let networks = plan.steps.compactMap { step in
                prefixes.first { step.name.hasPrefix($0) }.map { String(step.name.dropFirst($0.count)) }
            }
            throw UnknownName("network", network, among: networks)
        }
        self.plan = plan
        self.index = index
        keys = try Runner.keys(for: plan, cacheDirectory: cacheDirectory)
        store = ContentStore(root: cacheDirectory)
    }

    var isCached: Bool { store.contains(keys[index]) }

    /// Step `i`'s artifact from the cache.
    ///
    /// - Throws: `RunError` if it is not cached or does not decode.
    func artifact(_ i: Int) throws -> Artifact {
        let step = plan.steps[i]
        guard store.contains(keys[i]) else { throw RunError(description: "\(step.name) is not cached; run `lmc run` first") }
        do { return try Artifact.decode(step, files: try store.read(keys[i])) } catch {
            throw RunError(description: "\(step.name): \(error)")
        }
    }
}
