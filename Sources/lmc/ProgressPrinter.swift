import Engine
import Foundation
import Interpreter

/// Renders run events on stderr.
///
/// One line when a step starts or ends, and training progress (step, loss, samples/s, ETA) at most every
/// few seconds per step. Thread-safe: events arrive from workers; the state sits behind one mutex.
final class ProgressPrinter: Sendable {
    private struct State {
        var started: [String: Date] = [:]
        var lastPrinted: [String: Date] = [:]
        /// Batch losses since the last printed line, averaged into it.
        var lossSum: [String: (sum: Double, count: Int)] = [:]
    }

    private let state = Locked(State())
    private let interval: TimeInterval = 3

    func handle(_ event: RunEvent) {
        state.withLock { handle(event, &$0) }
    }

    private func handle(_ event: RunEvent, _ state: inout State) {
        let now = Date()
        switch event {
        case .planned(let total, let cached):
            write("\(total) nodes: \(cached) cached, \(total - cached) to compute")
        case .started(let node, let threads):
            state.started[node] = now
            state.lastPrinted[node] = now
            write("[\(node)] started (\(threads == 1 ? "1 thread" : "up to \(threads) threads"))")
        case .training(let node, let p):
            var running = state.lossSum[node] ?? (0, 0)
            running.sum += p.batchLoss
            running.count += 1
            state.lossSum[node] = running
            guard now.timeIntervalSince(state.lastPrinted[node] ?? .distantPast) >= interval || p.step == p.totalSteps else {
                return
            }
            state.lastPrinted[node] = now
            state.lossSum[node] = (0, 0)
            let elapsed = now.timeIntervalSince(state.started[node] ?? now)
            let rate = elapsed > 0 ? Double(p.examplesSeen) / elapsed : 0
            let eta = p.step > 0 ? elapsed * Double(p.totalSteps - p.step) / Double(p.step) : 0
            let loss = running.count > 0 ? running.sum / Double(running.count) : p.batchLoss
            write(
                String(
                    format: "[%@] step %d/%d  epoch %d  loss %.4f  %.0f samples/s  ETA %@",
                    node, p.step, p.totalSteps, p.epoch + 1, loss, rate, Self.duration(eta)))
        case .finished(let node, let seconds):
            write("[\(node)] done in \(Self.duration(seconds))")
        case .failed(let node, let message):
            write("[\(node)] FAILED: \(message)")
        case .submitted(let node, let job):
            write("[\(node)] submitted as Slurm job \(job)")
        case .running(let node, let job):
            state.started[node] = now
            write("[\(node)] running (Slurm job \(job))")
        case .jobs(let queued, let running, let done, let failed):
            write("slurm: \(queued) queued, \(running) running, \(done) done, \(failed) failed")
        case .warning(let message):
            write("warning: \(message)")
        }
    }

    private func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let s = Int(seconds.rounded())
        return "\(s / 60)m\(String(format: "%02d", s % 60))s"
    }
}
