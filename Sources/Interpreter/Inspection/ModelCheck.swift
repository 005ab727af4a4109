import DSL
import Engine
import Foundation

/// Before anything runs: does each model fit the images and classes of every dataset a network uses it
/// with, and does each `load:` file hold the tensors its model needs? The answer is a diagnostic at the
/// layer that does not fit (a declared model's own layer; for a built-in kind, the model's entry) or at
/// the loaded network, so `lmc check` reports it like any other mistake in the spec.
package enum ModelCheck {
    /// One diagnostic per (model, dataset) pair that does not fit, in spec order.
    ///
    /// A dataset whose files cannot be read here is skipped: the run reports it, naming the directory.
    package static func diagnostics(for spec: Spec) -> [Diagnostic] {
        var pairs: [(model: Reference, data: Reference)] = []
        for (model, data) in spec.networks.map({ ($0.value.model, $0.value.data) })
            + spec.loaded.map({ ($0.value.model, $0.value.data) })
        where !pairs.contains(where: { $0.model.name == model.name && $0.data.name == data.name }) {
            pairs.append((model, data))
        }
        let provider = DatasetProvider(datasets: spec.datasets)
        var diagnostics: [Diagnostic] = []
        for (modelReference, dataReference) in pairs {
            guard let model = spec.models.named(modelReference.name), let data = spec.datasets.named(dataReference.name),
                let (shape, classes) = try? inputs(of: data, provider: provider)
            else { continue }
            do {
                _ = try model.value.program(input: shape, classes: classes)
            } catch {
                let layer = error.layer.flatMap { i in model.value.layers.flatMap { i < $0.count ? $0[i] : nil } }
                // An imported model's layers come from its graph, not the spec: the misfit is at `onnx:`.
                let location = model.value.onnx?.location ?? layer?.location ?? model.location
                diagnostics.append(
                    Diagnostic(
                        code: "shape-mismatch", location: location,
                        message: "model '\(model.name)' on dataset '\(data.name)' (\(shape), \(classes) classes): "
                            + error.message,
                        notes: [.note("used with '\(data.name)' here", at: dataReference.location)]))
            }
        }
        for entry in spec.loaded {
            guard let model = spec.models.named(entry.value.model.name),
                let data = spec.datasets.named(entry.value.data.name),
                let (shape, classes) = try? inputs(of: data, provider: provider),
                let program = try? model.value.program(input: shape, classes: classes)
            else { continue }
            if let problem = loadProblem(entry.value, model: model.value, program: program) {
                diagnostics.append(
                    Diagnostic(
                        code: problem.code, location: entry.location, message: "network '\(entry.name)': " + problem.message))
            }
        }
        return diagnostics
    }

    /// What is wrong with a `load:` file for `program`, if anything.
    private static func loadProblem(
        _ entry: LoadedNetworkSpec, model: ModelSpec, program: LayerProgram
    ) -> (code: String, message: String)? {
        do {
            _ = try NetworkFile.network(entry.file, model: model, program: program, prefixes: entry.layers)
            return nil
        } catch let error as ArtifactError where !FileManager.default.isReadableFile(atPath: entry.file) {
            return ("unreadable-file", error.description)
        } catch {
            let description = "\(error)"
            let hint =
                entry.layers == nil && model.onnx == nil && description.contains("no tensor")
                ? " (if the file names its layers otherwise, give them in order with layers: [prefix, …])" : ""
            return ("tensor-mismatch", description + hint)
        }
    }

    /// The dataset's image shape and class count: from the spec, or read from its files (IDX).
    private static func inputs(of data: Named<DatasetSpec>, provider: DatasetProvider) throws -> (ImageShape, Int) {
        if let declared = data.value.declaredInputs { return declared }
        let dataset = try provider.dataset(data.name)
        return (dataset.shape, dataset.classes)
    }
}
