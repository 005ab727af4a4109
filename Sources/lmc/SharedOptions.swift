import ArgumentParser
import Foundation

/// `--cache-dir`, shared by every command that reads or writes the cache.
struct CacheOptions: ParsableArguments {
    @Option(name: .customLong("cache-dir"), help: "The cache directory (default: $LMC_CACHE_DIR or .lmc).")
    var cacheDirectory: String?

    /// The directory in effect: the flag, else `$LMC_CACHE_DIR`, else `.lmc`.
    var directory: String { cacheDirectory ?? ProcessInfo.processInfo.environment["LMC_CACHE_DIR"] ?? ".lmc" }
}

/// `--set path=value`, shared by every command that reads a spec to act on it.
struct OverrideOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: "Override a spec value, as path=value (repeatable), e.g. recipes.sgd.epochs=5.")
    var overrides: [String] = []
}
