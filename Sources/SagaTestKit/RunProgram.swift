import Foundation

/// Runs a program to its end with a bound, and returns its exit status and output (stdout and
/// stderr together); kills it and throws at the bound.
public func runProgram(_ arguments: [String], timeout: Duration, environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let process = SpawnedProcess()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    process.environment = env
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("saga-program-\(UUID().uuidString).out")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    defer { try? FileManager.default.removeItem(at: output) }
    process.standardOutput = handle
    process.standardError = handle
    try process.run()
    // Woken by the exit; the bound kills it.
    if await !process.exits(within: timeout) {
        process.terminate()
        if await !process.exits(within: .seconds(5)) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        throw SpawnError("\(arguments.joined(separator: " ")) did not finish within \(timeout); its output:\n\(text)")
    }
    try? handle.close()
    return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
}
