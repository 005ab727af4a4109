import DSL
import Foundation

/// A plan as Slurm workers read it: `<cache>/plans/<id>.json`, named by its content, so the driver and
/// every worker agree on the steps without re-reading the spec (which may change while jobs wait).
enum FrozenPlan {
    static func path(id: String, cacheDirectory: String) -> String { "\(cacheDirectory)/plans/\(id).json" }

    /// Stores the plan (atomically; an identical plan stored before is kept) and returns its id.
    static func store(_ plan: Plan, cacheDirectory: String) throws -> String {
        let bytes = try JSONEncoder.lmc().encode(plan)
        let id = String(SHA256.hex(bytes).prefix(20))
        try FileManager.default.createDirectory(atPath: cacheDirectory + "/plans", withIntermediateDirectories: true)
        try ResultWriter.atomicWrite(bytes, to: path(id: id, cacheDirectory: cacheDirectory))
        return id
    }

    /// - Throws: `RunError` saying what the cache must provide when the file cannot be seen.
    static func load(id: String, cacheDirectory: String) throws(RunError) -> Plan {
        let file = path(id: id, cacheDirectory: cacheDirectory)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RunError(
                description: """
                    cannot read \(file): this machine does not see the driver's cache. The cache directory must be \
                    on a file system every node sees, at the same path (`--cache-dir` with a shared path).
                    """)
        }
        do { return try JSONDecoder.lmc().decode(Plan.self, from: data) } catch {
            throw RunError(description: "\(file) is not a plan this lmc can read: \(error)")
        }
    }
}
