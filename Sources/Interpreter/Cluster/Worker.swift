import DSL
import Engine
import Foundation

/// What `lmc worker` did.
public enum WorkerOutcome: Sendable, Equatable {
    /// The entry was already in the cache: nothing to do.
    case alreadyCached
    /// The step was computed (or, after waiting for its lease, found written by another process).
    case computed(node: String)
}

/// Computes one step of a frozen plan into the shared cache: the body of each Slurm job.
public enum Worker {
    /// - Throws: `RunError` with the reason: the cache is not visible here, this machine's data differ
    ///   from the driver's, an input is missing, or the step itself failed.
    public static func run(
        cacheDirectory: String, planID: String, key: String, threads: Int, events: @escaping @Sendable (RunEvent) -> Void
    ) throws(RunError) -> WorkerOutcome {
        let store = ContentStore(root: cacheDirectory)
        let plan = try FrozenPlan.load(id: planID, cacheDirectory: cacheDirectory)
        if store.contains(key) { return .alreadyCached }
        let memo = FileDigestMemo(directory: cacheDirectory)
        let datasets = DatasetProvider(datasets: plan.datasets, memo: memo)
        let digests: [String: String]
        do { digests = try Runner.digests(plan, datasets) } catch {
            throw (error as? RunError) ?? RunError(description: "\(error)")
        }
        memo.save()
        let described = try Runner.describe(plan, digests: digests)
        guard let index = described.firstIndex(where: { $0.key == key }) else {
            throw RunError(
                description: """
                    no step of plan \(planID) has key \(key) here: this machine's datasets or loaded files differ \
                    from the driver's (digests here: \(digests.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.prefix(12))" }.joined(separator: ", ")))
                    """)
        }
        let step = plan.steps[index]
        let keyOf = Dictionary(zip(plan.steps.map(\.name), described.map(\.key)), uniquingKeysWith: { a, _ in a })
        var inputs: [Artifact] = []
        for name in step.inputs {
            guard let inputKey = keyOf[name], let input = plan.steps.first(where: { $0.name == name }) else {
                throw RunError(description: "\(step.name): its input \(name) is not in the plan")
            }
            do { inputs.append(try Artifact.decode(input, files: try store.read(inputKey))) } catch {
                throw RunError(
                    description: "\(step.name): its input \(name) (\(inputKey)) cannot be read from the cache: \(error)")
            }
        }
        let computation = StepComputation(
            store: store, runner: StepRunner(datasets: datasets, events: events, evaluationBatch: plan.evaluation.batchSize),
            events: events)
        switch computation.compute(
            step, key: key, description: described[index].description, inputs: inputs,
            parallelism: Parallelism(threads: max(1, threads)))
        {
        case .success:
            guard store.contains(key) else {
                throw RunError(description: "\(step.name): computed, but the result could not be written to \(cacheDirectory)")
            }
            return .computed(node: step.name)
        case .failure(let failure):
            throw RunError(description: "\(step.name): \(failure.message)")
        }
    }
}
