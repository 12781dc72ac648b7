import Foundation

/// The orchestrator instances of a chaos run, as child processes of `saga-bench` (the `saga`
/// executable beside it), each restartable after it was killed. Each incarnation logs to a file
/// of its own in the run's directory.
final class ChaosOrchestrators {
    private let arguments: [String]
    private let directory: URL
    private var children: [BenchSagasChild?]
    private var incarnations = 0
    /// How many times an instance was SIGKILLed.
    private(set) var kills = 0

    /// - Parameters:
    ///   - count: instances.
    ///   - arguments: the `saga` arguments of every instance.
    ///   - directory: where the logs go.
    init(count: Int, arguments: [String], directory: URL) {
        self.arguments = arguments
        self.directory = directory
        children = Array(repeating: nil, count: count)
    }

    var count: Int { children.count }

    /// Starts every instance that is not running.
    func startAll() throws {
        for index in children.indices where children[index]?.process.isRunning != true {
            try start(index)
        }
    }

    /// Starts instance `index` afresh.
    func start(_ index: Int) throws {
        incarnations += 1
        let log = directory.appendingPathComponent("orchestrator-\(index)-\(incarnations).log")
        children[index] = try BenchSagasChild(arguments: arguments, log: log)
    }

    /// SIGKILLs instance `index` and waits (at most 10 s) until it is gone.
    func kill9(_ index: Int) {
        guard let child = children[index], child.process.isRunning else { return }
        kill(child.process.processIdentifier, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while child.process.isRunning && Date() < deadline { usleep(10_000) }
        kills += 1
    }

    /// Sends `signal` (SIGSTOP, SIGCONT) to instance `index`.
    func signal(_ index: Int, _ signal: Int32) {
        guard let child = children[index], child.process.isRunning else { return }
        kill(child.process.processIdentifier, signal)
    }

    /// Stops every instance with SIGTERM (SIGKILL after 15 s).
    func stopAll() {
        for child in children {
            // A stopped instance would not act on SIGTERM.
            if let child, child.process.isRunning { kill(child.process.processIdentifier, SIGCONT) }
            child?.terminate()
        }
    }

    /// The last lines of every log, for a report of what went wrong.
    func logTails(lines: Int = 5) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("orchestrator-") }.sorted().compactMap { name in
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8), !text.isEmpty else { return nil }
            return "\(name):\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
