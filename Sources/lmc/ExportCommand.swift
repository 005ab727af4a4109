import ArgumentParser
import Interpreter

/// `lmc export FILE NETWORK --out PATH [--permute ALIGNMENT]`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a cached network, optionally permuted by a cached alignment, as a PyTorch-layout safetensors file.",
        discussion: """
            Tensors are fc1.weight ([out, in]), fc1.bias, … as torch.nn.Linear stores them; load them with \\
            safetensors.torch.load_file. Computes nothing: run the spec first.

            Example:
              lmc export experiments/weak-lmc.yaml b --permute wm --out b-aligned.safetensors
            """
    )

    @Argument(help: "The spec file.")
    var file: String

    @Argument(help: "The network, by its name in the spec.")
    var network: String

    @Option(help: "An alignment of this network (by name) whose permutation to apply first.")
    var permute: String?

    @Option(help: "The file to write.")
    var out: String

    @OptionGroup var override: OverrideOptions
    @OptionGroup var cache: CacheOptions

    func run() throws {
        let plan = try SpecLoader.plan(file, overrides: override.overrides).plan
        do {
            try NetworkExport.write(
                network: network, permutedBy: permute, plan: plan, cacheDirectory: cache.directory, to: out)
        } catch let error as UnknownName {
            throw InvalidInput(message: "\(file): \(error.description)")
        } catch let error as RunError {
            throw RuntimeFailure(message: "\(file): \(error.description)")
        }
        print("wrote \(out)")
    }
}
