import DSL
import Foundation

/// `lmc cache ls | verify | gc`: listing, checking and pruning a content store.
public enum CacheMaintenance {
    public struct Entry: Sendable, Codable {
        public var key: String
        /// The step name it was stored under (the last writer's; equal content, any name).
        public var node: String
        public var bytes: Int
        public var files: Int
    }

    /// Every intact-looking entry with its manifest's node name and size (manifests only, no file read).
    public static func list(cacheDirectory: String) -> [Entry] {
        let store = ContentStore(root: cacheDirectory)
        return store.entries(reading: "manifest.json").compactMap { key, file in
            guard let file, let manifest = try? JSONDecoder.lmc().decode(ContentStore.Manifest.self, from: Data(file)) else {
                return Entry(key: key, node: "(unreadable manifest)", bytes: 0, files: 0)
            }
            return Entry(
                key: key, node: manifest.node, bytes: manifest.files.values.reduce(0) { $0 + $1.size },
                files: manifest.files.count)
        }
    }

    /// Reads every entry and checks every checksum; corrupt entries are moved to `corrupt/` (as a run
    /// would) and returned with the reason.
    public static func verify(cacheDirectory: String) -> (checked: Int, corrupt: [(key: String, reason: String)]) {
        let store = ContentStore(root: cacheDirectory)
        var corrupt: [(String, String)] = []
        let keys = store.entries(reading: "manifest.json").map(\.key)
        for key in keys {
            do { _ = try store.read(key) } catch { corrupt.append((key, error.reason)) }
        }
        return (keys.count, corrupt)
    }

    /// Removes every entry that none of `plans` refers to; returns what was (or, with `dryRun`, would be)
    /// removed.
    ///
    /// - Throws: `RunError` if a plan's dataset cannot be read (its keys cannot be computed; nothing is removed).
    public static func collect(keeping plans: [Plan], cacheDirectory: String, dryRun: Bool) throws -> [Entry] {
        var live = Set<String>()
        for plan in plans { live.formUnion(try Runner.keys(for: plan, cacheDirectory: cacheDirectory)) }
        let dead = list(cacheDirectory: cacheDirectory).filter { !live.contains($0.key) }
        if !dryRun {
            let store = ContentStore(root: cacheDirectory)
            for entry in dead { store.remove(entry.key) }
        }
        return dead
    }
}
