import ArgumentParser
import Foundation
import SagaCore

/// `saga start TYPE`: publishes a start command, and with `--wait` follows the saga to its end.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a saga.",
        discussion: """
            Publishes a start command to <prefix>commands, keyed by the saga id, and prints the id. \
            The id is --saga-id, else derived from the type and --business-key (starting twice with \
            one business key never makes two sagas), else random. With --wait it follows the saga's \
            progress and exits 0 when it completed, 2 when it was compensated, 3 when it failed, 4 \
            when --timeout passed first and 6 when the orchestrator refused the start. A type that \
            no orchestrator published on <prefix>definitions is refused before sending (exit 6, \
            with the known types) unless --force is given.
            """
    )

    @Argument(help: "The saga type, as named in its definition.")
    var type: String

    @Option(help: "The saga's input: a JSON object, @FILE to read it from a file, or @- for standard input. (default: {})", transform: StartCommand.payload)
    var payload: JSONValue = .emptyObject

    @Option(help: "A business key (an order number, say): makes the start idempotent.")
    var businessKey: String?

    @Option(help: "The saga id to use.")
    var sagaID: String?

    @OptionGroup var waiting: WaitOptions

    @Flag(help: "Print JSON: the saga id, and with --wait the outcome.")
    var json = false

    @Flag(help: "Send even when the type is not among the orchestrators' published definitions.")
    var force = false

    @OptionGroup var cluster: ClusterOptions

    /// The command to publish.
    var command: StartSagaCommand {
        StartSagaCommand(sagaType: type, sagaId: sagaID, businessKey: businessKey, payload: payload)
    }

    func validate() throws {
        if let problem = command.validationProblem() { throw ValidationError(problem) }
    }

    func run() async throws {
        try await reportingFailures {
            let cluster = try self.cluster.resolve()
            try await cluster.checkReachable()
            if !force { try await checkType(on: cluster) }
            let feed = try await waiting.feed(on: cluster)
            let id = try await cluster.withClient { try await $0.start([command])[0] }
            guard let feed else {
                if json { try writeJSONLine(StartReport(sagaId: id, sagaType: type, businessKey: businessKey)) } else { writeLine(id) }
                return
            }
            if !json { writeLine(id) }
            let began = ContinuousClock.now
            let outcome = try await waiting.follow(id, on: feed, cluster: cluster, printing: !json) {
                $0.event == .startRejected || $0.state.isSettled
            }
            try finish(StartReport(sagaId: id, sagaType: type, businessKey: businessKey, outcome: outcome, elapsed: ContinuousClock.now - began))
        }
    }

    /// Refuses a type no orchestrator published a definition of; says nothing when none were
    /// published at all (an orchestrator that does not publish them, or none started yet).
    private func checkType(on cluster: ClusterSettings) async throws {
        guard let definitions = try await PublishedDefinitions.read(from: cluster), !definitions.isEmpty else { return }
        let types = Set(definitions.map(\.type)).sorted()
        guard types.contains(type) else {
            throw OperatorFailure(
                "no orchestrator runs saga type '\(type)' (known: \(types.joined(separator: ", "))): check the name, or pass --force to send it anyway",
                status: OperatorExit.refused
            )
        }
    }

    /// Prints the outcome and ends with its exit status.
    private func finish(_ report: StartReport) throws {
        if json { try writeJSONLine(report) }
        let status = report.outcome?.exitStatus ?? OperatorExit.success
        if let note = report.note, !json {
            if status == OperatorExit.refused || status == OperatorExit.timedOut { writeError("saga: \(note)") } else { writeLine(note) }
        }
        if status != OperatorExit.success { throw status }
    }

    /// The `--payload` argument's JSON object.
    static func payload(_ argument: String) throws -> JSONValue {
        let bytes: [UInt8]
        if argument == "@-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else if argument.hasPrefix("@") {
            let path = String(argument.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("--payload: cannot read the file '\(path)'") }
            bytes = Array(data)
        } else {
            bytes = Array(argument.utf8)
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw ValidationError("--payload is not JSON: \(error.message)")
        }
        guard value.objectValue != nil else { throw ValidationError("--payload must be a JSON object, like {\"orderId\": \"o-1\"}") }
        return value
    }
}

/// What `saga start` reports.
struct StartReport: Encodable {
    /// How `--wait` ended.
    enum Outcome: String, Encodable {
        case completed, compensated, failed, rejected
        case deadLettered = "dead-lettered"
        case timedOut = "timed-out"

        var exitStatus: ExitCode {
            switch self {
            case .completed: OperatorExit.success
            case .compensated: OperatorExit.compensated
            case .failed: OperatorExit.failed
            case .timedOut: OperatorExit.timedOut
            case .rejected, .deadLettered: OperatorExit.refused
            }
        }
    }

    var sagaId: String
    var sagaType: String
    var businessKey: String?
    /// With `--wait`: how it ended.
    var outcome: Outcome?
    /// With `--wait`: the saga's last known status.
    var state: String?
    /// With `--wait`: why it turned around, failed, or was refused.
    var reason: String?
    /// With `--wait`: from the send to the outcome.
    var elapsedMs: Int64?
    /// A line for the terminal when the progress lines do not already say it all.
    private(set) var note: String?

    private enum CodingKeys: String, CodingKey {
        case sagaId, sagaType, businessKey, outcome, state, reason, elapsedMs
    }

    init(sagaId: String, sagaType: String, businessKey: String?) {
        self.sagaId = sagaId
        self.sagaType = sagaType
        self.businessKey = businessKey
    }

    init(sagaId: String, sagaType: String, businessKey: String?, outcome: SagaFollower.Outcome, elapsed: Duration) {
        self.init(sagaId: sagaId, sagaType: sagaType, businessKey: businessKey)
        elapsedMs = elapsed.wholeMilliseconds
        switch outcome {
        case .event(let event) where event.event == .startRejected:
            self.outcome = .rejected
            state = event.state.rawValue
            reason = event.reason
            note = "the orchestrator rejected the start: \(event.reason ?? "no reason given")"
        case .event(let event):
            // The follower stops on a settled state: completed, compensated or failed.
            self.outcome = Outcome(rawValue: event.state.rawValue)
            state = event.state.rawValue
            reason = event.reason
            if event.event == .startDeduplicated {
                note = "=> saga \(sagaId) already existed and is \(event.state.rawValue)"
            }
        case .deadLettered(let letter):
            self.outcome = .deadLettered
            reason = letter.reason
            note = "the orchestrator sent the start to the dead-letter topic: \(letter.reason)"
        case .timedOut(let last):
            self.outcome = .timedOut
            state = last?.state.rawValue
            note = "timed out after \(elapsed.spoken) waiting for saga \(sagaId) (last state: \(last?.state.rawValue ?? "no event seen"))"
        }
    }
}
