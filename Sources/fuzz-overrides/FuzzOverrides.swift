import DSL
import FuzzSupport

/// The spec every input's overrides apply to: every section, so any path can name something real.
let base = """
    lmc: 1
    name: overrides
    datasets:
      d: {source: synthetic, features: 16, classes: 3, train: 100, test: 50, seed: 1}
    models:
      mlp: {kind: mlp, hidden: [32, 32], activation: relu}
    recipes:
      sgd:
        optimizer: {sgd: {lr: 0.05, momentum: 0.9, weight_decay: 5.0e-4}}
        batch: 32
        epochs: 2
        schedule: {warmup_epochs: 0.5, decay: linear}
    networks:
      a: {model: mlp, data: d, recipe: sgd, seed: 1}
      b: {model: mlp, data: d, recipe: sgd, seed: 2}
    alignments:
      wm: {method: weight-matching, align: b, to: a}
    interpolations:
      naive: {between: [a, b]}
      weight: {between: [a, b], permute: wm}
    evaluation: {alphas: 5, splits: {train: 100, test: all}, metrics: [loss, error]}
    """
let baseLines = base.split(separator: "\n", omittingEmptySubsequences: false).count

/// `--set` arguments in (one per line of the input), diagnostics or a plan out: no trap, and every
/// diagnostic points into an argument that exists (`--set:N:col`) or into the spec.
func checkOverrides(_ bytes: [UInt8]) {
    let arguments = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        .prefix(8).map(String.init)
    let overrides = arguments.enumerated().map { Override($0.element, index: $0.offset + 1) }
    do {
        let spec = try SpecDecoder().decode(base, file: "base.yaml", directory: "/nonexistent", overrides: overrides)
        _ = try Planner().plan(spec)
    } catch {
        FuzzHarness.require(!error.diagnostics.isEmpty, "a DiagnosticError without diagnostics")
        for d in error.diagnostics {
            let at = d.location
            switch at.file {
            case "--set":
                FuzzHarness.require(at.line >= 1 && at.line <= arguments.count, "\(at) names no --set: \(d.message)")
                // Columns may count bytes or characters; either way they lie within the argument (+1: its end).
                let width = arguments[at.line - 1].utf8.count
                FuzzHarness.require(at.column >= 1 && at.column <= width + 2, "\(at) is outside the argument: \(d.message)")
            case "base.yaml":
                FuzzHarness.require(at.line >= 1 && at.line <= baseLines + 1, "\(at) is outside the spec: \(d.message)")
            default:
                FuzzHarness.require(false, "diagnostic in \(at.file): \(d.message)")
            }
        }
    }
}

/// The input callback libFuzzer links against (and the replay calls).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkOverrides(FuzzHarness.bytes(data, size))
    return 0
}

@main enum FuzzOverrides {
    static func main() { FuzzHarness.run(testOneInput) }
}
