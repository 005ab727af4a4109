import Foundation

/// The Slurm commands lmc uses (`sbatch`, `squeue`, `scontrol`, `scancel`), run as processes.
///
/// Accounting (`sacct`) is not assumed: a job that has left the queue is judged by the cache, then by
/// `scontrol show job` while the controller still remembers it, then by its log.
struct SlurmClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What the controller says about a job that has left the queue.
    struct FinalState {
        var state: String
        var exitCode: String
        var reason: String
        /// Seconds the job ran.
        var seconds: Double?
    }

    /// Submits a job; returns its id.
    func submit(_ arguments: [String]) throws(Failure) -> String {
        let (status, out, err) = try Self.run("sbatch", ["--parsable"] + arguments)
        // `--parsable` prints `id` or `id;cluster`.
        let id = out.split(whereSeparator: \.isNewline).last.map { String($0.prefix { $0 != ";" }) } ?? ""
        guard status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw Failure(description: "sbatch failed (exit \(status)): \(Self.firstLine(err.isEmpty ? out : err))")
        }
        return id
    }

    /// The state (`PENDING`, `RUNNING`, …) of each of this user's jobs still in the queue.
    func queue() throws(Failure) -> [String: String] {
        let (status, out, err) = try Self.run("squeue", ["--noheader", "--user=\(getuid())", "--format=%i %T"])
        guard status == 0 else { throw Failure(description: "squeue failed (exit \(status)): \(Self.firstLine(err))") }
        var states: [String: String] = [:]
        for line in out.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            if fields.count >= 2 { states[String(fields[0])] = String(fields[1]) }
        }
        return states
    }

    /// The job's end state, while the controller still remembers the job (`MinJobAge`, 300 s by default).
    func finalState(of job: String) -> FinalState? {
        guard let (status, out, _) = try? Self.run("scontrol", ["show", "job", "--oneliner", job]), status == 0 else {
            return nil
        }
        var fields: [String: String] = [:]
        for token in out.split(whereSeparator: { $0 == " " || $0.isNewline }) {
            let parts = token.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        guard let state = fields["JobState"] else { return nil }
        return FinalState(
            state: state, exitCode: fields["ExitCode"] ?? "?", reason: fields["Reason"] ?? "None",
            seconds: fields["RunTime"].flatMap(Self.seconds))
    }

    /// Slurm's `[days-]hours:minutes:seconds`.
    static func seconds(_ time: String) -> Double? {
        let dayParts = time.split(separator: "-")
        let days = dayParts.count == 2 ? Double(dayParts[0]) : 0
        let clock = dayParts.last?.split(separator: ":").map { Double($0) } ?? []
        guard let days, clock.count == 3, let h = clock[0], let m = clock[1], let s = clock[2] else { return nil }
        return ((days * 24 + h) * 60 + m) * 60 + s
    }

    func cancel(_ jobs: [String]) {
        guard !jobs.isEmpty else { return }
        _ = try? Self.run("scancel", jobs)
    }

    /// Runs `tool` found on PATH; both outputs are read to the end.
    private static func run(_ tool: String, _ arguments: [String]) throws(Failure) -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw Failure(description: "cannot start \(tool): \(error)") }
        // Read stderr on another thread so neither pipe can fill up and stall the tool.
        let errorText = ErrorText()
        let reading = DispatchGroup()
        DispatchQueue.global().async(group: reading) {
            errorText.value = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        reading.wait()
        if process.terminationStatus == 127 {
            throw Failure(description: "\(tool) is not installed (it must be on PATH where lmc runs)")
        }
        return (process.terminationStatus, output, errorText.value)
    }

    private final class ErrorText: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        var value: String {
            get { lock.withLock { text } }
            set { lock.withLock { text = newValue } }
        }
    }

    private static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "no output"
    }
}
