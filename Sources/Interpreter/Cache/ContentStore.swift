import Foundation

/// A content-addressed store of node results on disk.
///
/// Layout: `<root>/objects/<key[0..<2]>/<key>/` holds the result's files and `manifest.json`, which lists
/// every file's size and SHA-256. An entry is written in `<root>/tmp/` and renamed into place, so a reader
/// sees a whole entry or none. Every read verifies the manifest: a corrupt entry is reported, moved aside and
/// recomputed, never trusted. Thread-safe: entries are immutable once in place.
package struct ContentStore: Sendable {
    package let root: String

    package struct Manifest: Codable, Sendable {
        package var node: String
        package var files: [String: FileRecord]
    }

    package struct FileRecord: Codable, Sendable {
        package var size: Int
        package var sha256: String
    }

    /// An entry that failed verification.
    package struct CorruptEntry: Error, Sendable, CustomStringConvertible {
        package var key: String
        package var reason: String
        package var description: String { "cache entry \(key.prefix(12)) is corrupt (\(reason)); it was discarded" }
    }

    package init(root: String) {
        self.root = root
    }

    private func directory(_ key: String) -> String { "\(root)/objects/\(key.prefix(2))/\(key)" }

    /// Whether an entry exists (not whether it is intact: `read` checks that).
    package func contains(_ key: String) -> Bool {
        FileManager.default.fileExists(atPath: directory(key) + "/manifest.json")
    }

    /// Reads and verifies every file of an entry.
    ///
    /// - Throws: `CorruptEntry` after moving the bad entry aside, so the caller can recompute it.
    package func read(_ key: String) throws(CorruptEntry) -> [String: [UInt8]] {
        let dir = directory(key)
        func fail(_ reason: String) -> CorruptEntry {
            discard(key)
            return CorruptEntry(key: key, reason: reason)
        }
        guard let data = FileManager.default.contents(atPath: dir + "/manifest.json"),
            let manifest = try? JSONDecoder.lmc().decode(Manifest.self, from: data)
        else { throw fail("unreadable manifest") }
        var files: [String: [UInt8]] = [:]
        for (name, record) in manifest.files {
            guard let content = FileManager.default.contents(atPath: dir + "/" + name) else { throw fail("missing \(name)") }
            let bytes = [UInt8](content)
            guard bytes.count == record.size, SHA256.hex(bytes) == record.sha256 else {
                throw fail("checksum mismatch in \(name)")
            }
            files[name] = bytes
        }
        return files
    }

    /// Writes an entry atomically.
    ///
    /// If another writer got there first, its (identical) entry is kept.
    package func write(_ key: String, node: String, files: [String: [UInt8]]) throws {
        let fm = FileManager.default
        let tmpRoot = root + "/tmp"
        try fm.createDirectory(atPath: tmpRoot, withIntermediateDirectories: true)
        let staging = "\(tmpRoot)/\(key).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString)"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: false)
        defer { try? fm.removeItem(atPath: staging) }
        var records: [String: FileRecord] = [:]
        for (name, bytes) in files {
            try Data(bytes).write(to: URL(fileURLWithPath: staging + "/" + name))
            records[name] = FileRecord(size: bytes.count, sha256: SHA256.hex(bytes))
        }
        try JSONEncoder.lmc(pretty: true).encode(Manifest(node: node, files: records)).write(
            to: URL(fileURLWithPath: staging + "/manifest.json"))
        let target = directory(key)
        try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if rename(staging, target) != 0 && !contains(key) {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target])
        }
    }

    /// Every entry's key, with the file `name` read from it unverified (for inspection, never for results).
    package func entries(reading name: String) -> [(key: String, file: [UInt8]?)] {
        let objects = root + "/objects"
        let fm = FileManager.default
        var result: [(String, [UInt8]?)] = []
        for prefix in (try? fm.contentsOfDirectory(atPath: objects))?.sorted() ?? [] {
            for key in (try? fm.contentsOfDirectory(atPath: objects + "/" + prefix))?.sorted() ?? [] where contains(key) {
                result.append((key, fm.contents(atPath: "\(directory(key))/\(name)").map { [UInt8]($0) }))
            }
        }
        return result
    }

    /// Deletes an entry: renamed out of `objects/` first, so no reader ever sees half of it.
    package func remove(_ key: String) {
        let fm = FileManager.default
        let trash = "\(root)/tmp/removed-\(key).\(UUID().uuidString)"
        try? fm.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        if rename(directory(key), trash) == 0 { try? fm.removeItem(atPath: trash) }
    }

    /// Moves a bad entry out of the way (into `corrupt/`) so it is neither trusted nor lost for inspection.
    package func discard(_ key: String) {
        let fm = FileManager.default
        let quarantine = "\(root)/corrupt"
        try? fm.createDirectory(atPath: quarantine, withIntermediateDirectories: true)
        let destination = "\(quarantine)/\(key).\(UUID().uuidString)"
        if rename(directory(key), destination) != 0 { try? fm.removeItem(atPath: directory(key)) }
    }
}
