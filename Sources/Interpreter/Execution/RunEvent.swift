import Engine

/// What a run reports while it works, for a progress display.
///
/// Delivered from worker threads.
public enum RunEvent: Sendable {
    /// The plan is known: how many nodes, how many already cached.
    case planned(total: Int, cached: Int)
    /// A step started; it may use up to `threads` threads (in a local run, the cores other steps leave idle).
    case started(node: String, threads: Int)
    /// A training step finished.
    case training(node: String, progress: TrainingProgress)
    case finished(node: String, seconds: Double)
    case failed(node: String, message: String)
    /// A step was submitted as a Slurm job.
    case submitted(node: String, job: String)
    /// A step's Slurm job started running.
    case running(node: String, job: String)
    /// The Slurm jobs' states changed.
    case jobs(queued: Int, running: Int, done: Int, failed: Int)
    /// Something went wrong that the run recovered from (a corrupt cache entry, an unwritable cache).
    case warning(String)
}
