import Engine
import Testing

/// Engine preconditions are programmer contracts: they trap.
///
/// The DSL tests
/// (`SpecDecoderTests`, "each invalid spec is rejected") show user input cannot reach them:
/// a hidden width of 0 is rejected with `out-of-range` before any network is built, and every
/// architecture is checked by `LayerProgram.init`, which throws instead.
@Suite struct PreconditionTests {
    @Test("a network given tensors that do not fit its program traps")
    func misfitTensorsTrap() async {
        await #expect(processExitsWith: .failure) {
            let program = try LayerProgram(.mlp(input: .init(channels: 1, height: 1, width: 4), hidden: [3], classes: 2))
            _ = Network(program: program, tensors: ["fc1.weight": Tensor(zeros: [3, 5])])
        }
    }

    @Test("an architecture with a zero-width layer is rejected, naming the layer")
    func zeroWidthRejected() {
        let architecture = Architecture.mlp(input: .init(channels: 1, height: 1, width: 4), hidden: [0], classes: 2)
        #expect(throws: ArchitectureError(layer: 1, "layer 'fc1': outputs must be 1 to 65536")) {
            try LayerProgram(architecture)
        }
    }

    @Test("a tensor whose data does not match its shape traps")
    func shapeMismatchTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor(shape: [2, 3], scalars: [1, 2, 3])
        }
    }

    /// A label past the logits would read the next example's (or memory past the batch): a test MLP of 3
    /// classes measured on 4-class data once gave losses that depended on the batch size.
    @Test("measuring a network on labels past its classes traps")
    func labelPastClassesTraps() async {
        await #expect(processExitsWith: .failure) {
            let program = try LayerProgram(.mlp(input: .init(channels: 1, height: 1, width: 4), hidden: [3], classes: 2))
            let split = Dataset.Split(inputs: [Float](repeating: 0.5, count: 8), labels: [0, 2])
            _ = Network(program: program, seed: 1).measure(on: split, parallelism: .serial)
        }
    }
}
