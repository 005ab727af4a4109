/// Where a run's steps compute: in this process, or each as a Slurm job over a shared cache.
///
/// Never part of a cache key: a step computes the same bits wherever it runs.
public struct ExecutorSpec: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Steps run in this process, independent ones in parallel.
        case local
        /// One Slurm job per step to compute, with `afterok` dependencies mirroring the plan.
        case slurm
    }

    public var kind: Kind = .local
    /// `sbatch --partition`; nil uses the cluster's default.
    public var partition: String? = nil
    /// `sbatch --time` (Slurm's formats: `30`, `1:30:00`, `1-00:00:00`); nil uses the partition's default.
    public var time: String? = nil
    /// `sbatch --cpus-per-task`, also the worker's thread count.
    public var cpusPerTask: Int? = nil
    /// Further `sbatch` arguments, passed as they are (`--mem=4G`, `--qos=long`).
    public var sbatch: [String] = []

    public init() {}
}
