import Logging

/// Where the orchestrator's loop spends its time, summed over a few seconds and logged at debug
/// level: the first thing to read when throughput or latency is off.
struct LoopStats {
    private var iterations = 0
    private var messages = 0
    private var poll: Duration = .zero
    private var process: Duration = .zero
    private var commit: Duration = .zero
    private var maxCommit: Duration = .zero
    private var maxProcess: Duration = .zero
    private var backlog = 0
    private var since = ContinuousClock.now

    /// Adds the time a store commit took (part of the processing time).
    mutating func record(commit: Duration) {
        self.commit += commit
        maxCommit = max(maxCommit, commit)
    }

    mutating func record(messages: Int, poll: Duration, process: Duration, backlog: Int) {
        iterations += 1
        self.messages += messages
        self.poll += poll
        self.process += process
        maxProcess = max(maxProcess, process)
        self.backlog = max(self.backlog, backlog)
    }

    /// A summary of the last interval once it is 5 seconds long, then starts a new one.
    mutating func summaryIfDue() -> Logger.Metadata? {
        guard ContinuousClock.now - since >= .seconds(5) else { return nil }
        func ms(_ d: Duration) -> String { "\(d.wholeMillisecondsValue)" }
        let summary: Logger.Metadata = [
            "iterations": "\(iterations)", "messages": "\(messages)",
            "pollMs": "\(ms(poll))", "processMs": "\(ms(process))", "commitMs": "\(ms(commit))", "maxCommitMs": "\(ms(maxCommit))", "maxProcessMs": "\(ms(maxProcess))", "maxRelayBacklog": "\(backlog)",
        ]
        self = LoopStats()
        return summary
    }
}
