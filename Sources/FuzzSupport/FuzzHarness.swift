import Foundation

#if FUZZING
    /// libFuzzer's entry for programs with their own `main` (SwiftPM gives every executable one).
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runLibFuzzer(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif

/// What every fuzz target shares: its property checks report a broken property by stopping the process
/// (the fuzzer keeps the input); in a fuzzing build (`-D FUZZING`, `scripts/fuzz`) `run` hands the check to
/// libFuzzer, otherwise it replays the files and directories given as arguments through it.
public enum FuzzHarness {
    /// A target's check, called once per input.
    public typealias Check = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs the target: libFuzzer with the command line's options, or a replay of the arguments' files.
    public static func run(_ check: Check) -> Never {
        #if FUZZING
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(runLibFuzzer(&argc, &argv, check))
        #else
            replay { bytes in _ = bytes.withUnsafeBufferPointer { check($0.baseAddress, $0.count) } }
            exit(0)
        #endif
    }

    /// Stops with `message` when `property` does not hold: the fuzzer records the input that broke it.
    public static func require(_ property: Bool, _ message: @autoclosure () -> String) {
        guard !property else { return }
        FileHandle.standardError.write(Data("fuzz property broken: \(message())\n".utf8))
        abort()
    }

    /// The bytes libFuzzer hands a target.
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Runs `check` on every file of the directories given as arguments (a replay of a corpus, or of one
    /// crash's input), printing how many it read.
    static func replay(_ check: ([UInt8]) -> Void) {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files =
                isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                check([UInt8](data))
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }
}
