import ArgumentParser

/// One named run of the fault matrix of `saga-bench chaos`: which faults it injects and how big
/// it is by default. The numbers in comments are the scenarios of issue 17.
enum ChaosScenario: String, CaseIterable, Sendable {
    /// (1) The orchestrator SIGKILLed and restarted every 2–7 s (seeded) while sagas run.
    case orchestratorKill = "orchestrator-kill"
    /// (2) The participant process SIGKILLs itself between applying an effect and replying
    /// (one effect in ten), and is started again.
    case participantKill = "participant-kill"
    /// (5) Malformed inputs on the commands and replies topics mixed with good sagas.
    case malformedInput = "malformed-input"
    /// (7) Starts larger than the orchestrator accepts, and participant replies larger than that.
    case oversize
    /// (3) Request errors on produce and fetch, added round-trip time, a broker of 3 down and
    /// back, partition leaders moved.
    case brokerFaults = "broker-faults"
    /// (4) Replies sent twice, some of them after their attempt's deadline.
    case lateReplies = "late-replies"
    /// (6) Three orchestrators on PostgreSQL: one SIGKILLed (and started again later), one
    /// SIGSTOPped past its session timeout, then woken.
    case postgresCluster = "postgres-cluster"

    /// What the scenario does, for the usage text and the report.
    var summary: String {
        switch self {
        case .orchestratorKill: "orchestrator SIGKILLed and restarted every 2-7 s"
        case .participantKill: "participant SIGKILLed between applying an effect and replying, restarted"
        case .malformedInput: "malformed inputs on the commands and replies topics"
        case .oversize: "starts and replies larger than the orchestrator accepts"
        case .brokerFaults: "produce/fetch errors, added RTT, a broker of 3 down, leaders moved"
        case .lateReplies: "replies sent twice, some after their attempt's deadline"
        case .postgresCluster: "3 orchestrators on PostgreSQL, one SIGKILLed, one SIGSTOPped past its session timeout"
        }
    }

    /// Brokers in the embedded cluster.
    var brokers: Int { self == .brokerFaults ? 3 : 1 }

    /// Orchestrator instances.
    var instances: Int { self == .postgresCluster ? 3 : 1 }

    /// Sagas started when `--sagas` is not given.
    var defaultSagas: Int {
        switch self {
        case .orchestratorKill: 400
        case .participantKill: 200
        case .malformedInput: 200
        case .oversize: 60
        case .brokerFaults: 300
        case .lateReplies: 300
        case .postgresCluster: 300
        }
    }

    /// The names `--scenario` takes, `all` included.
    static var names: String { (allCases.map(\.rawValue) + ["all"]).joined(separator: ", ") }

    /// The scenarios `--scenario` names: one, or every one for `all`.
    static func parse(_ text: String) throws -> [ChaosScenario] {
        if text == "all" { return allCases }
        guard let scenario = ChaosScenario(rawValue: text) else {
            throw ValidationError("unknown scenario '\(text)'; one of: \(names)")
        }
        return [scenario]
    }
}
