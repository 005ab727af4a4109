/// The keys each part of a spec allows, in one place: the decoder rejects any other key, and a test
/// checks that `grammar/lmc.schema.json` allows exactly these.
package enum SpecKeys {
    package static let top = [
        "lmc", "name", "description", "datasets", "models", "recipes", "networks", "pruning", "masked", "alignments",
        "interpolations", "evaluation", "matrix", "executor",
    ]
    /// Every key a dataset may have; which apply depends on its source (`datasetSources`).
    package static let dataset = [
        "source", "path", "normalize", "labels", "features", "classes", "train", "test", "noise", "seed", "shape",
    ]
    package static let datasetSources = [
        "fashion-mnist": ["source", "path", "normalize"], "idx": ["source", "path", "normalize"],
        "cifar10": ["source", "path", "normalize"], "cifar100": ["source", "path", "normalize", "labels"],
        "synthetic": ["source", "normalize", "features", "classes", "train", "test", "noise", "seed", "shape"],
    ]
    /// Every key a model may have; which apply depends on its kind (`modelKinds`).
    package static let model = [
        "kind", "hidden", "activation", "layers", "stages", "blocks", "width", "norm", "onnx", "patch", "depth", "heads",
        "mlp_ratio",
    ]
    package static let modelKinds = [
        "mlp": ["kind", "hidden", "activation"], "vgg": ["kind", "layers", "width", "norm"],
        "resnet": ["kind", "stages", "blocks", "width", "norm"], "declared": ["layers"], "onnx": ["onnx"],
        "vit": ["kind", "patch", "width", "depth", "heads", "mlp_ratio"],
    ]
    /// The operations of a declared model's layer entry, and the options beside them.
    package static let layerOperations = [
        "linear", "conv", "norm", "relu", "gelu", "maxpool", "avgpool", "global_avgpool", "flatten", "add", "attention",
        "position_embedding", "block",
    ]
    package static let layerOptions = [
        "name", "from", "kernel", "stride", "padding", "bias", "groups", "per", "heads", "repeat", "start", "layers",
    ]
    package static let recipe = ["optimizer", "batch", "epochs", "schedule", "checkpoints", "augment"]
    package static let optimizer = ["sgd", "adamw"]
    package static let sgd = ["lr", "momentum", "weight_decay", "nesterov"]
    package static let adamw = ["lr", "betas", "eps", "weight_decay"]
    package static let schedule = ["warmup_epochs", "decay"]
    package static let augment = ["crop", "flip"]
    package static let network = ["model", "data", "recipe", "seed"]
    /// A `networks:` entry with `load:` (in place of `recipe` and `seed`).
    package static let loadedNetwork = ["model", "data", "load", "layers"]
    package static let pruning = ["network", "levels", "rate", "rewind", "output"]
    package static let masked = ["network", "rewind", "mask", "level", "transport", "seed"]
    package static let alignment = [
        "method", "align", "to", "at", "samples", "similarity", "max_sweeps", "seed", "restarts", "networks", "epochs",
        "batch", "lr", "momentum",
    ]
    package static let interpolation = ["between", "permute", "at", "repair"]
    package static let evaluation = [
        "alphas", "splits", "metrics", "batch", "simplex", "simplex_samples", "batchnorm_reset",
        "repair_examples",
    ]
    package static let executor = ["kind", "partition", "time", "cpus_per_task", "sbatch"]
}
