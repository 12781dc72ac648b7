import Foundation
import SagaTestKit

/// The orchestrator under test, as a child process of the benchmark, so its memory is its own.
final class BenchSagasChild {
    let process = SpawnedProcess()

    /// Starts the `saga` executable beside this one with `arguments`; its standard error goes to
    /// `log` when given. `executable` names another program (`saga-bench` itself, say).
    init(arguments: [String], log: URL? = nil, executable: URL = BenchSagasChild.saga) throws {
        process.executableURL = executable
        process.arguments = arguments
        // The bench's own SAGA_BENCH_* variables are not the orchestrator's settings: `saga`
        // refuses SAGA_ variables it does not know.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SAGA_BENCH_") }
        process.standardOutput = FileHandle.nullDevice
        if let log {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: log)
        }
        try process.run()
    }

    /// The `saga` executable in the folder of this one (both are built, and installed, together).
    static var saga: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("saga")
    }

    /// Resident memory now and at its peak, in bytes, from `/proc/PID/status`.
    func memory() -> (resident: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// CPU time used so far (user and system), in seconds, from `/proc/PID/stat`.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return 0 }
        // After the command name: state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
