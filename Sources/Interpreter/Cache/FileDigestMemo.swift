import Engine
import Foundation

/// Remembers the SHA-256 of data files by (path, size, modification time), so planning does not read
/// training data again and again (`<cache>/file-digests.json`).
///
/// Only a shortcut to the digest: the digest itself, and so every cache key, depends on the bytes alone.
/// A moved folder misses the memo and is hashed again (to the same digest); an edited file changes size
/// or time and is hashed again.
final class FileDigestMemo: Sendable {
    private struct Entry: Codable {
        var size: Int
        var modified: Double
        var sha256: String
    }

    private let path: String
    private let entries: Locked<[String: Entry]>
    private let changed = Locked(false)

    init(directory: String) {
        path = directory + "/file-digests.json"
        let stored = FileManager.default.contents(atPath: path).flatMap {
            try? JSONDecoder().decode([String: Entry].self, from: $0)
        }
        entries = Locked(stored ?? [:])
    }

    /// The file's SHA-256, from the memo when its size and time match.
    func digest(of file: String) throws -> String {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        let attributes = try FileManager.default.attributesOfItem(atPath: absolute)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        if let entry = entries.withLock({ $0[absolute] }), entry.size == size, entry.modified == modified {
            return entry.sha256
        }
        guard let data = FileManager.default.contents(atPath: absolute) else { throw DataError("cannot read \(file)") }
        let digest = SHA256.hex([UInt8](data))
        entries.withLock { $0[absolute] = Entry(size: size, modified: modified, sha256: digest) }
        changed.withLock { $0 = true }
        return digest
    }

    /// Writes the memo if it learnt anything and the cache directory exists.
    ///
    /// Atomically; a failure only costs a later re-hash. It never creates the directory: commands that
    /// only read the cache (`plan`, `explain`, `diff`) must leave no cache behind.
    func save() {
        guard changed.withLock({ $0 }), FileManager.default.fileExists(atPath: (path as NSString).deletingLastPathComponent)
        else { return }
        let snapshot = entries.withLock { $0 }
        guard let data = try? JSONEncoder().encode(snapshot) else { return }
        try? ResultWriter.atomicWrite(data, to: path)
    }
}
