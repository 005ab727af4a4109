import DSL
import Engine
import FuzzSupport
import Interpreter

/// The model entry an input is imported into, as a spec's `models: {m: {onnx: fuzz.onnx}}` gives it.
let onnxModel: ModelSpec? = {
    let text = """
        lmc: 1
        name: onnx
        datasets:
          d: {source: synthetic, features: 16, classes: 3, train: 10, test: 10, seed: 1}
        models:
          m: {onnx: fuzz.onnx}
        networks:
          a: {model: m, data: d, load: fuzz.onnx}
        """
    return try? SpecDecoder().decode(text, file: "onnx.yaml", directory: "/nonexistent").models.first?.value
}()

/// An ONNX file in, as `models: {m: {onnx: …}}` and then `load:` read it: an error naming the file, or
/// layers that form a valid program (whatever the importer accepts, the engine can build) and a network.
func checkONNX(_ bytes: [UInt8]) {
    guard let base = onnxModel else { return FuzzHarness.require(false, "the base spec does not decode") }
    let model: ModelSpec
    do {
        model = try ModelImport.imported(bytes, into: base, file: "fuzz.onnx")
    } catch {
        return FuzzHarness.require(error.description.contains("fuzz.onnx"), "an error that does not name the file: \(error)")
    }
    guard let dims = model.onnx?.input, dims.count == 3 else {
        return FuzzHarness.require(false, "an import without the input's channels, height and width")
    }
    let input = ImageShape(channels: dims[0], height: dims[1], width: dims[2])
    let program: LayerProgram
    do {
        program = try LayerProgram(model.architecture(input: input, classes: 1))
    } catch {
        return FuzzHarness.require(false, "the importer accepted layers the engine cannot build: \(error.message)")
    }
    // Tensors the graph lacks or holds in another shape are an error naming the file, never a trap.
    do {
        _ = try NetworkFile.network(bytes: bytes, file: "fuzz.onnx", model: model, program: program, prefixes: nil)
    } catch {
        FuzzHarness.require("\(error)".contains("fuzz.onnx"), "a load error that does not name the file: \(error)")
    }
}

/// The input callback libFuzzer links against (and the replay calls).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    checkONNX(FuzzHarness.bytes(data, size))
    return 0
}

@main enum FuzzONNX {
    static func main() { FuzzHarness.run(testOneInput) }
}
