import ArgumentParser
import Foundation
import Interpreter

/// `lmc cache ls | verify | gc`.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "List, verify and prune the cache.",
        subcommands: [List.self, Verify.self, Collect.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List cache entries: key, the step name they were stored under, size.")

        @OptionGroup var cache: CacheOptions

        func run() throws {
            let entries = CacheMaintenance.list(cacheDirectory: cache.directory)
            for e in entries.sorted(by: { $0.node < $1.node }) {
                print("\(e.key.prefix(12))  \(String(format: "%10d", e.bytes))  \(e.node)")
            }
            let total = entries.reduce(0) { $0 + $1.bytes }
            print("\(entries.count) entries, \(total) bytes in \(cache.directory)")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every file of every entry against its checksum; corrupt entries are moved to corrupt/.",
            discussion: "Exit status 1 if any entry was corrupt (a later run recomputes it).")

        @OptionGroup var cache: CacheOptions

        func run() throws {
            let (checked, corrupt) = CacheMaintenance.verify(cacheDirectory: cache.directory)
            for c in corrupt { print("corrupt  \(c.key.prefix(12))  \(c.reason)") }
            print("\(checked) entries checked, \(corrupt.count) corrupt")
            if !corrupt.isEmpty { throw RuntimeFailure(message: "\(corrupt.count) corrupt entries set aside in corrupt/") }
        }
    }

    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc", abstract: "Remove every entry that none of the given specs refers to.",
            discussion: """
                Example:
                  lmc cache gc experiments/*.yaml --dry-run
                """)

        @Argument(help: "The specs whose results to keep.")
        var files: [String]

        @OptionGroup var cache: CacheOptions

        @Flag(help: "Only list what would be removed.")
        var dryRun = false

        func run() throws {
            let plans = try files.map { try SpecLoader.plan($0).plan }
            let removed: [CacheMaintenance.Entry]
            do {
                removed = try CacheMaintenance.collect(keeping: plans, cacheDirectory: cache.directory, dryRun: dryRun)
            } catch let error as RunError {
                throw RuntimeFailure(message: error.description)
            }
            for e in removed { print("\(dryRun ? "would remove" : "removed")  \(e.key.prefix(12))  \(e.node)") }
            print("\(removed.count) entries, \(removed.reduce(0) { $0 + $1.bytes }) bytes \(dryRun ? "to remove" : "removed")")
        }
    }
}
