import ArgumentParser
import DSL
import Foundation

// Our own entry point, so exit codes follow lmc's contract (0 success, 1 runtime failure, 2 invalid input)
// rather than swift-argument-parser's (64 for usage errors on Linux).
/// Exits with `code`, or with 1 when what was printed on standard output could not be written (a full
/// disk, a closed pipe): results that never arrived are a failure, not a success.
func finish(_ code: Int32) -> Never {
    // fflush(nil) flushes every stream, standard output's buffer included, and fails if a write fails.
    if fflush(nil) != 0 {
        let reason = String(cString: strerror(errno))
        FileHandle.standardError.write(Data("lmc: error: cannot write to standard output: \(reason)\n".utf8))
        exit(code == 0 ? 1 : code)
    }
    exit(code)
}

Allocator.keepFreedMemory()
do {
    var command = try LMC.parseAsRoot()
    try command.run()
    finish(0)
} catch let error as DiagnosticError {
    FileHandle.standardError.write(Data(DiagnosticRenderer.render(error.diagnostics).utf8))
    exit(2)
} catch let error as SpecLoader.Failure {
    let texts = ["--set": error.overrides.joined(separator: "\n")]
    FileHandle.standardError.write(Data(DiagnosticRenderer.render(error.diagnostics, texts: texts).utf8))
    exit(2)
} catch let error as InvalidInput {
    FileHandle.standardError.write(Data("lmc: error: \(error.message)\n".utf8))
    exit(2)
} catch let error as RuntimeFailure {
    FileHandle.standardError.write(Data("lmc: error: \(error.message)\n".utf8))
    exit(1)
} catch {
    let code = LMC.exitCode(for: error)
    if code == .success {
        print(LMC.fullMessage(for: error))
        finish(0)
    }
    FileHandle.standardError.write(Data((LMC.fullMessage(for: error) + "\n").utf8))
    exit(code == ExitCode(1) ? 1 : 2)
}
