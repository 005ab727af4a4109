/// Decoders for the entries of each spec section.
///
/// Each returns nil after reporting what is wrong.
struct SectionDecoder {
    let reader: NodeReader
    let directory: String

    /// Generous bounds that keep every size product far from overflow and every allocation sane.
    static let maxWidth = 1 << 16
    static let maxDepth = 64
    /// Channels of a conv model's widest layer: memory grows with their square.
    static let maxChannels = 4096

    func model(_ node: YAMLNode, _ what: String) -> ModelSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.model) else { return nil }
        // Without a kind, a model with `layers` is declared layer by layer, one with `onnx` imported.
        var kind = f.has("kind") ? "mlp" : f.has("onnx") ? "onnx" : f.has("layers") ? "declared" : "mlp"
        if let kindNode = f.optional("kind"), let written = reader.string(kindNode, "\(what).kind") {
            let kinds = SpecKeys.modelKinds.keys.sorted()
            guard kinds.contains(written) else {
                reader.sink.error(
                    "unknown-value", at: kindNode.location,
                    "\(what).kind must be one of \(kinds.joined(separator: ", ")); got '\(written)'"
                        + Suggestion.hint(for: written, among: kinds))
                return nil
            }
            kind = written
        }
        // Keys no model has were reported by `fields` already: one error per mistake.
        for entry in f.entries where SpecKeys.model.contains(entry.key) && !(SpecKeys.modelKinds[kind] ?? []).contains(entry.key)
        {
            reader.sink.error("unknown-key", at: entry.keyLocation, "'\(entry.key)' does not apply to a model of kind \(kind)")
        }
        if kind == "declared" {
            return f.required("layers").flatMap { declaredLayers($0, "\(what).layers") }.map {
                ModelSpec(hidden: [], activation: .relu, layers: $0)
            }
        }
        if kind == "onnx" {
            guard let node = f.required("onnx"), let file = reader.string(node, "\(what).onnx") else { return nil }
            return ModelSpec(hidden: [], activation: .relu, onnx: ONNXModelSpec(file: resolve(file), location: node.location))
        }
        if kind == "vit" { return vitModel(f, what) }
        if kind != "mlp" { return convModel(f, what, kind: kind) }
        let activation =
            f.optional("activation").map { reader.choice($0, "\(what).activation", as: ModelSpec.Activation.self) } ?? .relu
        guard let hiddenNode = f.required("hidden"), let items = reader.list(hiddenNode, "\(what).hidden") else { return nil }
        if items.isEmpty || items.count > Self.maxDepth {
            reader.rangeError(hiddenNode, "\(what).hidden must list 1 to \(Self.maxDepth) layer widths")
        }
        let widths = items.map { reader.int($0, "a hidden width", atLeast: 1, atMost: Self.maxWidth) }
        guard let activation, !items.isEmpty, items.count <= Self.maxDepth, widths.allSatisfy({ $0 != nil }) else { return nil }
        return ModelSpec(hidden: widths.compactMap { $0 }, activation: activation)
    }

    /// `kind: vit`: `patch`, `width`, `depth`, `heads` (required, `heads` dividing `width`), `mlp_ratio` (4).
    private func vitModel(_ f: Fields, _ what: String) -> ModelSpec? {
        let patch = f.required("patch").flatMap { reader.int($0, "\(what).patch", atLeast: 1, atMost: 8) }
        let width = f.required("width").flatMap { reader.int($0, "\(what).width", atLeast: 1, atMost: Self.maxChannels) }
        let depth = f.required("depth").flatMap { reader.int($0, "\(what).depth", atLeast: 1, atMost: Self.maxDepth) }
        let heads = f.required("heads").flatMap { reader.int($0, "\(what).heads", atLeast: 1, atMost: Self.maxChannels) }
        let ratio = f.optional("mlp_ratio").map { reader.int($0, "\(what).mlp_ratio", atLeast: 1, atMost: 16) } ?? 4
        guard let patch, let width, let depth, let heads, let ratio else { return nil }
        if width % heads != 0, let node = f.optional("heads") {
            reader.rangeError(node, "\(what).heads must divide the width \(width); got \(heads)")
            return nil
        }
        return ModelSpec(
            hidden: [], activation: .relu,
            vit: ViTModelSpec(patch: patch, width: width, depth: depth, heads: heads, mlpRatio: ratio))
    }

    /// `kind: vgg` (`layers`: multiples of `width` and `M` for a max pool) or `kind: resnet` (`stages`,
    /// `blocks`); both take `width` (required) and `norm` (default groupnorm).
    private func convModel(_ f: Fields, _ what: String, kind: String) -> ModelSpec? {
        let width = f.required("width").flatMap { reader.int($0, "\(what).width", atLeast: 1, atMost: 1024) }
        let norm = f.optional("norm").map { reader.choice($0, "\(what).norm", as: ConvModelSpec.Norm.self) } ?? .groupnorm
        var body: ConvModelSpec.Body?
        if kind == "vgg" {
            if let node = f.required("layers"), let items = reader.list(node, "\(what).layers") {
                let layers = items.map { item -> Int?? in
                    if reader.plainScalar(item) == "M" { return .some(nil) }
                    return reader.int(item, "a layer (a multiple of the width, or M for a max pool)", atLeast: 1, atMost: 64)
                        .map { .some($0) }
                }
                if !items.contains(where: { reader.plainScalar($0) != "M" }) || items.count > Self.maxDepth {
                    reader.rangeError(node, "\(what).layers must have 1 to \(Self.maxDepth) entries, at least one a convolution")
                } else if layers.allSatisfy({ $0 != nil }) {
                    body = .vgg(layers: layers.compactMap { $0 })
                }
            }
        } else {
            let stages = f.optional("stages").map { reader.int($0, "\(what).stages", atLeast: 1, atMost: 5) } ?? 3
            let blocks = f.optional("blocks").map { reader.int($0, "\(what).blocks", atLeast: 1, atMost: 20) } ?? 3
            if let stages, let blocks { body = .resnet(stages: stages, blocks: blocks) }
        }
        guard let body, let width, let norm else { return nil }
        // Memory grows with channels squared; beyond this a run would fail allocating, not train.
        let widest =
            switch body {
            case .vgg(let layers): width * (layers.compactMap { $0 }.max() ?? 1)
            case .resnet(let stages, _): width << (stages - 1)
            }
        if widest > Self.maxChannels, let node = f.optional("width") {
            reader.rangeError(node, "\(what) would have \(widest) channels in its widest layer; at most \(Self.maxChannels)")
            return nil
        }
        return ModelSpec(hidden: [], activation: .relu, conv: ConvModelSpec(body: body, width: width, norm: norm))
    }

    func recipe(_ node: YAMLNode, _ what: String) -> RecipeSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.recipe) else {
            return nil
        }
        var lr: Double?, decay: Double?, optimizer: RecipeSpec.Optimizer?
        if let node = f.required("optimizer") { (lr, optimizer, decay) = self.optimizer(node, "\(what).optimizer") }
        let batch = f.optional("batch").map { reader.int($0, "\(what).batch", atLeast: 1, atMost: 1 << 16) } ?? 128
        let epochs = f.required("epochs").flatMap { reader.int($0, "\(what).epochs", atLeast: 1, atMost: 10_000) }
        var warmup: Double? = 0, shape: RecipeSpec.Decay? = .linear
        if let node = f.optional("schedule"),
            let s = reader.fields(node, of: "\(what).schedule", allowed: SpecKeys.schedule)
        {
            warmup = s.optional("warmup_epochs").map { reader.double($0, "warmup_epochs", min: 0, max: 10_000) } ?? warmup
            shape = s.optional("decay").map { reader.choice($0, "\(what).schedule.decay", as: RecipeSpec.Decay.self) } ?? shape
        }
        var checkpoints: [Int]? = []
        if let node = f.optional("checkpoints"), let items = reader.list(node, "\(what).checkpoints") {
            let steps = items.map { reader.int($0, "a checkpoint step", atLeast: 0) }
            checkpoints = steps.contains { $0 == nil } ? nil : Array(Set(steps.compactMap { $0 })).sorted()
        }
        let augment: RecipeSpec.Augmentation?? = f.optional("augment").map { augmentation($0, "\(what).augment") } ?? .some(nil)
        if let warmup, let epochs, warmup > Double(epochs), let node = f.optional("schedule") {
            reader.rangeError(node, "warmup_epochs (\(warmup)) exceeds epochs (\(epochs))")
            return nil
        }
        guard let lr, let optimizer, let decay, let batch, let epochs, let warmup, let shape, let checkpoints, let augment
        else {
            return nil
        }
        return RecipeSpec(
            learningRate: lr, optimizer: optimizer, weightDecay: decay, batchSize: batch, epochs: epochs,
            warmupEpochs: warmup, decay: shape, checkpoints: checkpoints, augmentation: augment)
    }

    /// `{sgd: {lr, momentum, weight_decay, nesterov}}` or `{adamw: {lr, betas, eps, weight_decay}}`, with
    /// PyTorch's defaults but for the learning rate, which each needs: the rate, the rule and the decay.
    private func optimizer(_ node: YAMLNode, _ what: String) -> (Double?, RecipeSpec.Optimizer?, Double?) {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.optimizer) else { return (nil, nil, nil) }
        guard f.entries.count == 1, let entry = f.entries.first, SpecKeys.optimizer.contains(entry.key) else {
            if f.entries.count != 1 {
                reader.sink.error(
                    "bad-optimizer", at: node.location,
                    "\(what) names one optimizer, sgd or adamw; got \(f.entries.count)")
            }
            return (nil, nil, nil)
        }
        let inner = "\(what).\(entry.key)"
        let isAdam = entry.key == "adamw"
        guard let o = reader.fields(entry.value, of: inner, allowed: isAdam ? SpecKeys.adamw : SpecKeys.sgd) else {
            return (nil, nil, nil)
        }
        let lr = o.required("lr").flatMap { reader.double($0, "the learning rate", min: 0, minOpen: true, max: 100) }
        let decay = o.optional("weight_decay").map { reader.double($0, "weight_decay", min: 0, max: 1) } ?? (isAdam ? 0.01 : 5e-4)
        guard isAdam else {
            let momentum = o.optional("momentum").map { reader.double($0, "momentum", min: 0, max: 0.9999) } ?? 0.9
            let nesterov = o.optional("nesterov").map { reader.bool($0, "nesterov") } ?? false
            guard let momentum, let nesterov else { return (lr, nil, decay) }
            return (lr, .sgd(momentum: momentum, nesterov: nesterov), decay)
        }
        var betas: [Double?]? = [0.9, 0.999]
        if let node = o.optional("betas"), let items = reader.list(node, "\(inner).betas") {
            if items.count == 2 {
                betas = items.map { reader.double($0, "a beta", min: 0, max: 0.999999) }
            } else {
                reader.rangeError(node, "\(inner).betas is two decay rates, [β₁, β₂]; got \(items.count)")
                betas = nil
            }
        }
        let epsilon = o.optional("eps").map { reader.double($0, "eps", min: 0, minOpen: true, max: 1) } ?? 1e-8
        guard let betas, let beta1 = betas[0], let beta2 = betas[1], let epsilon else { return (lr, nil, decay) }
        return (lr, .adamW(beta1: beta1, beta2: beta2, epsilon: epsilon), decay)
    }

    /// The largest `augment.crop`: torchvision's CIFAR recipes pad by 4; 16 pads a 32×32 image to twice its size.
    static let maxCrop = 16

    /// `augment: {crop: N, flip: B}`, both optional (crop 0, flip false): nil after reporting a problem,
    /// `.some(nil)` when it changes nothing.
    private func augmentation(_ node: YAMLNode, _ what: String) -> RecipeSpec.Augmentation?? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.augment) else { return nil }
        let crop = f.optional("crop").map { reader.int($0, "\(what).crop", atLeast: 0, atMost: Self.maxCrop) } ?? 0
        let flip = f.optional("flip").map { reader.bool($0, "\(what).flip") } ?? false
        guard let crop, let flip else { return nil }
        return crop == 0 && !flip ? .some(nil) : RecipeSpec.Augmentation(crop: crop, flip: flip)
    }

    func network(_ node: YAMLNode, _ what: String) -> NetworkSpec? {
        guard let f = reader.fields(node, of: what, allowed: SpecKeys.network) else { return nil }
        let model = f.required("model").flatMap { reader.reference($0, "\(what).model") }
        let data = f.required("data").flatMap { reader.reference($0, "\(what).data") }
        let recipe = f.required("recipe").flatMap { reader.reference($0, "\(what).recipe") }
        let seed = f.required("seed").flatMap { reader.seed($0, "\(what).seed") }
        guard let model, let data, let recipe, let seed else { return nil }
        return NetworkSpec(model: model, data: data, recipe: recipe, seed: seed)
    }
}
