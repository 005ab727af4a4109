extension SectionDecoder {
    /// A `datasets:` entry: its `source` says which other keys apply (`SpecKeys.datasetSources`).
    func dataset(_ node: YAMLNode, _ what: String) -> DatasetSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.dataset) else { return nil }
        let normalize =
            f.optional("normalize").map { reader.choice($0, "\(what).normalize", as: DatasetSpec.Normalization.self) }
            ?? .standard
        guard let sourceNode = f.required("source"), let kind = reader.string(sourceNode, "\(what).source") else { return nil }
        let sources = SpecKeys.datasetSources.keys.sorted()
        guard let applicable = SpecKeys.datasetSources[kind] else {
            reader.sink.error(
                "unknown-value", at: sourceNode.location,
                "\(what).source must be one of \(sources.joined(separator: ", ")); got '\(kind)'"
                    + Suggestion.hint(for: kind, among: sources))
            return nil
        }
        for entry in f.entries where SpecKeys.dataset.contains(entry.key) && !applicable.contains(entry.key) {
            let owners = sources.filter { SpecKeys.datasetSources[$0]?.contains(entry.key) == true }
            let message =
                owners.count == 1
                ? "'\(entry.key)' applies to \(owners[0]) datasets only" : "'\(entry.key)' does not apply to \(kind) datasets"
            reader.sink.error("unknown-key", at: entry.keyLocation, message)
        }
        let path = f.optional("path").flatMap { reader.string($0, "\(what).path") }.map(resolve)
        let source: DatasetSpec.Source?
        switch kind {
        case "synthetic":
            source = synthetic(f, what).map { .synthetic($0) }
        case "fashion-mnist":
            source = f.has("path") ? path.map { .idx(directory: $0) } : .idx(directory: DatasetSpec.debianFashionMNIST)
        default:
            if !f.has("path") {
                let holding =
                    switch kind {
                    case "idx": "a directory of IDX files"
                    case "cifar10": "a directory holding data_batch_1.bin … data_batch_5.bin and test_batch.bin"
                    default: "a directory holding train.bin and test.bin"
                    }
                reader.sink.error("missing-key", at: node.location, "\(what) with source '\(kind)' needs 'path' (\(holding))")
            }
            let labels =
                kind == "cifar100"
                ? f.optional("labels").map { reader.choice($0, "\(what).labels", as: DatasetSpec.CIFAR100Labels.self) } ?? .fine
                : .fine
            guard let path, let labels else { return nil }
            source =
                switch kind {
                case "idx": .idx(directory: path)
                case "cifar10": .cifar10(directory: path)
                default: .cifar100(directory: path, labels: labels)
                }
        }
        guard let source, let normalize else { return nil }
        return DatasetSpec(source: source, normalize: normalize)
    }

    /// The parameters of a `source: synthetic` dataset, defaults filled in.
    private func synthetic(_ f: Fields, _ what: String) -> SyntheticDataSpec? {
        let features = f.optional("features").map { reader.int($0, "\(what).features", atLeast: 1, atMost: 4096) } ?? 32
        let classes = f.optional("classes").map { reader.int($0, "\(what).classes", atLeast: 2, atMost: 1000) } ?? 4
        let train = f.optional("train").map { reader.int($0, "\(what).train", atLeast: 1, atMost: 1_000_000) } ?? 2000
        let test = f.optional("test").map { reader.int($0, "\(what).test", atLeast: 1, atMost: 1_000_000) } ?? 500
        let noise = f.optional("noise").map { reader.double($0, "\(what).noise", min: 0, minOpen: true, max: 100) } ?? 1.0
        let seed = f.optional("seed").map { reader.seed($0, "\(what).seed") } ?? 0
        let shapeNode = f.optional("shape")
        let shape = shapeNode.flatMap { imageShape($0, "\(what).shape", features: features) }
        guard let features, let classes, let train, let test, let noise, let seed, shapeNode == nil || shape != nil else {
            return nil
        }
        return SyntheticDataSpec(
            features: features, classes: classes, trainCount: train, testCount: test, noise: noise, seed: seed, shape: shape)
    }

    /// `[channels, height, width]`, each 1–4096, whose product must be `features` (when that was readable).
    private func imageShape(_ node: YAMLNode, _ what: String, features: Int?) -> SyntheticDataSpec.Shape? {
        guard let items = reader.list(node, what) else { return nil }
        guard items.count == 3 else {
            reader.rangeError(node, "\(what) must be [channels, height, width], three integers; got \(items.count)")
            return nil
        }
        let sizes = zip(["channels", "height", "width"], items).map { name, item in
            reader.int(item, "\(what) \(name)", atLeast: 1, atMost: 4096)
        }
        guard let channels = sizes[0], let height = sizes[1], let width = sizes[2], let features else { return nil }
        // Each factor is at most 4096, so the product (at most 2^36) cannot overflow.
        guard channels * height * width == features else {
            reader.rangeError(
                node, "\(what) \(channels)×\(height)×\(width) holds \(channels * height * width) values; features is \(features)")
            return nil
        }
        return SyntheticDataSpec.Shape(channels: channels, height: height, width: width)
    }
}
