import ArgumentParser
import Foundation
import SagaCore
import SagaStore

/// `saga status ID`: one saga as the orchestrator's store has it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show one saga from the orchestrator's store.",
        discussion: """
            Shows the saga's status, phase, each step's progress and attempts in the current phase, \
            why it turned around or is stuck, and its times (UTC). Step names come from the saga \
            definitions (--definitions, or SAGA_DEFINITIONS as for the orchestrator); without them \
            steps are numbered. Exits 5 when the store has no such saga (finished sagas are purged \
            after the orchestrator's retention).
            """
    )

    @Argument(help: "The saga id, or its first characters (as saga dev and saga watch print it).")
    var id: String

    @Flag(help: "Print the saga as one JSON object.")
    var json = false

    @Option(name: .customLong("definitions"), help: "A saga definition file or a directory of them, to name the steps; repeatable.")
    var definitions: [String] = []

    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        if id.isEmpty { throw ValidationError("the saga id must not be empty") }
    }

    func run() async throws {
        try await reportingFailures {
            let environment = ProcessInfo.processInfo.environment
            let settings = try ServiceSettings.resolve(file: nil, environment: environment)
            let paths = definitions.isEmpty ? (settings.definitions.isEmpty ? try DevClientFile.settings(environment: environment)?.definitions ?? [] : settings.definitions) : definitions
            let registry = paths.isEmpty ? nil : try DefinitionLoader.registry(from: paths)

            let given = id
            let record = try await storeOptions.withStore(environment: environment) { store in
                try await store.saga(id: try await SagaIDLookup.resolve(given, in: store))
            }
            guard let record else { throw OperatorFailure("no saga with id '\(id)' in the store", status: OperatorExit.noSuchSaga) }
            let id = record.id
            let state: SagaState
            do {
                state = try SagaStateCodec.decode(record.state)
            } catch let error as SagaCoreError {
                throw OperatorFailure("saga '\(id)': its stored state cannot be read: \(error.message)")
            }
            let report = SagaStatusReport(record: record, state: state, plan: registry?.plan(for: state))
            if json {
                try writeJSONLine(report)
            } else {
                for line in report.lines { writeLine(line) }
            }
        }
    }
}
