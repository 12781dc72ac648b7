import Foundation

/// The participant process of the participant-kill scenario (`saga-bench chaos-participant`),
/// started again whenever it died.
final class ChaosParticipantProcess {
    private let arguments: [String]
    private let directory: URL
    private var child: BenchSagasChild
    /// How many times it was started again after it died.
    private(set) var restarts = 0

    init(bootstrapServers: String, topics: [String], ledger: String, directory: URL) throws {
        arguments = ["chaos-participant", "--bootstrap-servers", bootstrapServers, "--ledger", ledger]
            + topics.flatMap { ["--topic", $0] }
        self.directory = directory
        child = try BenchSagasChild(arguments: arguments, log: directory.appendingPathComponent("participant-0.log"), executable: Self.bench)
    }

    /// This executable, `saga-bench`.
    static var bench: URL { URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath() }

    /// Starts the process again when it is not running.
    /// - Returns: whether it did.
    func restartIfDead() throws -> Bool {
        guard !child.process.isRunning else { return false }
        restarts += 1
        child = try BenchSagasChild(arguments: arguments, log: directory.appendingPathComponent("participant-\(restarts).log"), executable: Self.bench)
        return true
    }

    func stop() { child.terminate() }
}
