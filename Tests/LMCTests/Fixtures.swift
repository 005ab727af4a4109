import Foundation

/// Runs the built `lmc` binary and captures what it prints.
struct LMCProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The binary sits beside the test bundle in the build products directory.
    static var binary: URL {
        let products = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            products, Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        return candidates.map { $0.appendingPathComponent("lmc") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
            ?? products.appendingPathComponent("lmc")
    }

    /// Starts the binary without waiting; output goes to the given pipes or nowhere.
    static func start(
        _ arguments: [String], in directory: String, stdout: Pipe? = nil, stderr: Pipe? = nil,
        environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the binary to its end; with a time limit, a run still going then is terminated and says so in
    /// its stderr, so a hung run fails its test instead of hanging the suite.
    static func run(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], timeLimit: TimeInterval? = nil
    ) throws -> LMCProcess {
        let out = Pipe(), err = Pipe()
        let process = try start(arguments, in: directory, stdout: out, stderr: err, environment: environment)
        let finished = DispatchSemaphore(value: 0)
        if let timeLimit {
            DispatchQueue.global().async {
                if finished.wait(timeout: .now() + timeLimit) == .timedOut { process.terminate() }
            }
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        var stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        finished.signal()
        if process.terminationReason == .uncaughtSignal, let timeLimit {
            stderr += "\n[test] lmc \(arguments.joined(separator: " ")) terminated after \(Int(timeLimit)) s"
        }
        return LMCProcess(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr)
    }
}

let cliSpec = """
    lmc: 1
    name: cli
    datasets:
      d: {source: synthetic, features: 10, classes: 3, train: 200, test: 60}
    models:
      m: {kind: mlp, hidden: [16]}
    recipes:
      r: {optimizer: {sgd: {lr: 0.05}}, batch: 20, epochs: 2}
    networks:
      a: {model: m, data: d, recipe: r, seed: 1}
      b: {model: m, data: d, recipe: r, seed: 2}
    alignments:
      wm: {method: weight-matching, align: b, to: a}
    interpolations:
      naive: {between: [a, b]}
      weight: {between: [a, b], permute: wm}
    evaluation: {alphas: 3, splits: {test: all}}
    """

/// A summary's tidy barrier rows as text (name, loss and error barrier), for comparing runs exactly.
func barrierRows(_ summary: [String: Any]) -> [String] {
    (summary["barriers"] as? [[String: Any]])?.map {
        "\($0["interpolation"] ?? "") \($0["loss_barrier"] ?? "") \($0["error_barrier"] ?? "")"
    } ?? []
}

/// The CLI spec made heavy enough (about 0.2 s per run) that two runs overlap and a kill lands mid-run.
let slowSpec = cliSpec.replacingOccurrences(of: "train: 200", with: "train: 3000")
    .replacingOccurrences(of: "epochs: 2", with: "epochs: 6").replacingOccurrences(of: "hidden: [16]", with: "hidden: [128, 128]")

/// A fresh temporary directory holding the given files.
func workspace(_ files: [String: String]) throws -> String {
    let dir = NSTemporaryDirectory() + "lmc-cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    return dir
}
