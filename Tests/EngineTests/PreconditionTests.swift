import Engine
import Testing

/// Engine preconditions are programmer contracts: they trap.
///
/// The DSL tests
/// (`SpecDecoderTests`, "each invalid spec is rejected") show user input cannot reach them:
/// a hidden width of 0 is rejected with `out-of-range` before any network is built.
@Suite struct PreconditionTests {
    @Test("an MLP with a zero-width layer traps")
    func zeroWidthTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = MLP(sizes: [4, 0, 2], seed: 1)
        }
    }

    @Test("a tensor whose data does not match its shape traps")
    func shapeMismatchTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor(shape: [2, 3], scalars: [1, 2, 3])
        }
    }
}
