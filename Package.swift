// swift-tools-version:6.0
import PackageDescription

// The engine's speed comes from SIMD8<Float> FMAs; Swift's default x86-64 target has neither AVX nor FMA
// (SIMD8 would be split in two SSE halves and every FMA would become a libm call). Haswell's feature set
// (AVX2 + FMA) is the floor of every x86-64 machine lmc targets, Zen included.
#if arch(x86_64)
let engineFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let engineFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "lmc",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lmc", targets: ["lmc"]),
    ],
    dependencies: [
        // Subcommands, --help with examples and option parsing: the CLI's only external dependency.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // ONNX files are protobuf: its runtime decodes them (the Swift code for onnx.proto is generated once
        // by scripts/generate-onnx-swift and committed; CI never runs the generator).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "DSL", dependencies: ["CYAML"]),
        .target(name: "Engine", dependencies: ["CZlib"], swiftSettings: engineFlags),
        .target(
            name: "Interpreter",
            dependencies: ["DSL", "Engine", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .executableTarget(
            name: "lmc",
            dependencies: ["Interpreter", "DSL", "Engine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // libFuzzer targets (scripts/fuzz builds them with -sanitize=fuzzer,address -D FUZZING); in a normal
        // build each replays the corpus directories it is given.
        .target(name: "FuzzSupport"),
        .executableTarget(name: "fuzz-spec", dependencies: ["DSL", "FuzzSupport"]),
        .executableTarget(name: "fuzz-safetensors", dependencies: ["Engine", "FuzzSupport"]),
        .executableTarget(name: "fuzz-overrides", dependencies: ["DSL", "FuzzSupport"]),
        .executableTarget(name: "fuzz-idx", dependencies: ["Engine", "FuzzSupport"]),
        .executableTarget(name: "fuzz-cifar", dependencies: ["Engine", "FuzzSupport"]),
        .executableTarget(name: "fuzz-onnx", dependencies: ["Interpreter", "DSL", "Engine", "FuzzSupport"]),
        .testTarget(name: "DSLTests", dependencies: ["DSL"]),
        // TorchFixtures/: PyTorch runs the tests match (scripts/torch-adamw-fixture.py).
        .testTarget(name: "EngineTests", dependencies: ["Engine"], exclude: ["TorchFixtures"], swiftSettings: engineFlags),
        // Fixtures/: PyTorch state dicts, inputs and logits the tests read by path (scripts/torch-declared-fixtures.py).
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "DSL", "Engine"], exclude: ["Fixtures"]),
        .testTarget(name: "LMCTests", dependencies: ["lmc"]),
    ],
    swiftLanguageModes: [.v6]
)
