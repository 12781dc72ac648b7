import ArgumentParser
import Foundation
import SagaCore
import SagaStore

/// `saga list`: sagas from the orchestrator's store, most recently changed first.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List sagas from the orchestrator's store.",
        discussion: """
            Lists the most recently changed sagas first, with the count of sagas per status in the \
            store. --state takes executing, verifying, approving, compensating, completed, \
            compensated, failed, or active (the first four); repeat it or separate with commas.
            """
    )

    @Option(help: "Only sagas in this state; repeatable, or comma-separated.")
    var state: [String] = []

    @Option(help: "Only sagas of this type.")
    var type: String?

    @Option(help: "At most this many sagas (1 to 10000).")
    var limit: Int = 50

    @Flag(help: "Print a JSON array of sagas.")
    var json = false

    @OptionGroup var storeOptions: StoreOptions

    /// The statuses `--state` asks for.
    var statuses: Set<String> {
        get throws {
            var statuses = Set<String>()
            for name in state.flatMap({ $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) {
                if name == "active" {
                    statuses.formUnion(SagaStatus.allCases.filter { $0.isForward || $0 == .compensating }.map(\.rawValue))
                } else if SagaStatus(rawValue: name) != nil {
                    statuses.insert(name)
                } else {
                    throw ValidationError("--state '\(name)' is not one of active, \(SagaStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            return statuses
        }
    }

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        if type?.isEmpty == true { throw ValidationError("--type must not be empty") }
        _ = try statuses
    }

    func run() async throws {
        try await reportingFailures {
            let query = SagaQuery(statuses: try statuses, type: type, limit: limit)
            let (records, counts) = try await storeOptions.withStore { store in
                (try await store.listSagas(query), try await store.countSagasByStatus())
            }
            let rows = records.map(SagaListRow.init)
            if json {
                try writeJSONLine(rows)
                return
            }
            if rows.isEmpty {
                writeLine("no sagas match")
            } else {
                let table = [["SAGA ID", "TYPE", "STATUS", "BUSINESS KEY", "UPDATED"]] + rows.map { row in
                    [row.sagaId, "\(row.sagaType) v\(row.sagaVersion)", row.status + (row.paused == true ? " (paused)" : ""), row.businessKey ?? "-", row.updatedAt]
                }
                for line in tableLines(table) { writeLine(line) }
            }
            let total = counts.values.reduce(0, +)
            let perStatus = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            writeLine("\(rows.count) shown; \(total) saga\(total == 1 ? "" : "s") in the store\(perStatus.isEmpty ? "" : ": \(perStatus)")")
        }
    }
}

/// One saga as `saga list --json` prints it.
struct SagaListRow: Encodable {
    var sagaId: String
    var sagaType: String
    var sagaVersion: Int
    var status: String
    /// Whether an operator paused it; absent when its state cannot be read.
    var paused: Bool?
    var terminal: Bool
    var businessKey: String?
    var partition: Int32
    var createdAt: String
    var updatedAt: String
    var nextDeadline: String?

    init(_ record: SagaRecord) {
        sagaId = record.id
        sagaType = record.type
        sagaVersion = record.version
        status = record.status
        paused = (try? SagaStateCodec.decode(record.state))?.paused
        terminal = record.isTerminal
        businessKey = record.businessKey
        partition = record.partition
        createdAt = isoTime(milliseconds: record.createdAt)
        updatedAt = isoTime(milliseconds: record.updatedAt)
        nextDeadline = record.nextDeadline.map { isoTime(milliseconds: $0) }
    }
}
