import DSL
import Engine
import Foundation

/// Computes one step under its key's lease and stores the result: what a local run does for each step
/// to compute, and what `lmc worker` does for the one step its Slurm job is for.
struct StepComputation: Sendable {
    let store: ContentStore
    let runner: StepRunner
    let events: @Sendable (RunEvent) -> Void

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Computes `step` unless another process wrote its entry while this one waited for the lease; then
    /// that entry is used (`computedHere` false).
    ///
    /// - Parameter description: what the key covers, stored beside the result as `key.json`.
    /// - Parameter parallelism: the cores the step may use (in a local run, shared with the steps beside it).
    func compute(_ step: PlanStep, key: String, description: [UInt8], inputs: [Artifact], parallelism: Parallelism)
        -> Result<(artifact: Artifact, computedHere: Bool), Failure>
    {
        let lease = Lease(root: store.root, key: key)
        defer { lease?.release() }
        if store.contains(key), let files = try? store.read(key), let artifact = try? Artifact.decode(step, files: files) {
            events(.warning("\(step.name): computed meanwhile by another run on this cache; reused"))
            return .success((artifact, false))
        }
        events(.started(node: step.name, threads: parallelism.threads))
        let start = Date()
        do {
            let artifact = try runner.run(step, inputs: inputs, parallelism: parallelism)
            do {
                var files = artifact.files()
                files["key.json"] = description
                try store.write(key, node: step.name, files: files)
            } catch {
                events(.warning("\(step.name): could not write the cache (\(error)); the result is kept for this run only"))
            }
            events(.finished(node: step.name, seconds: Date().timeIntervalSince(start)))
            return .success((artifact, true))
        } catch {
            let message = "\(error)"
            events(.failed(node: step.name, message: message))
            return .failure(Failure(message: message))
        }
    }
}
