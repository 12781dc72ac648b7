import Foundation
import Hummingbird
import SagaCore
import SagaRuntime
import SagaStore

/// `/v1/sagas`: list, read and start sagas.
struct SagaRoutes: Sendable {
    let orchestrator: Orchestrator
    let publisher: CommandPublisher
    let configuration: SagaHTTPConfiguration

    /// The statuses a listing can filter by.
    static let statuses = ["executing", "verifying", "approving", "compensating", "completed", "compensated", "failed"]

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/sagas") { request, _ in try await list(request) }
        router.get("/v1/sagas/:id") { _, context in try await detail(context.parameters.require("id")) }
        router.post("/v1/sagas") { request, _ in try await start(request) }
    }

    // MARK: - GET /v1/sagas

    private func list(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = SagaQuery(limit: 50)
        if let limit = parameters["limit"].map(String.init) {
            guard let value = Int(limit), (1...1000).contains(value) else {
                throw Problem.badRequest("'limit' must be an integer from 1 to 1000, got '\(limit)'")
            }
            query.limit = value
        }
        if let states = parameters["state"].map(String.init), !states.isEmpty {
            let names = states.split(separator: ",").map { String($0) }
            if let unknown = names.first(where: { !Self.statuses.contains($0) }) {
                throw Problem.badRequest("'state' has '\(unknown)'; it takes a comma-separated list of \(Self.statuses.joined(separator: ", "))")
            }
            query.statuses = Set(names)
        }
        if let type = parameters["type"].map(String.init), !type.isEmpty { query.type = type }
        if let key = parameters["businessKey"].map(String.init), !key.isEmpty { query.businessKey = key }
        if let cursor = parameters["cursor"].map(String.init), !cursor.isEmpty { query.after = try SagaCursor.decode(cursor) }
        // One more than the page, to know whether there is a next one.
        let limit = query.limit
        query.limit += 1
        let found = try await orchestrator.listSagas(query)
        let page = Array(found.prefix(limit))
        let next = found.count > limit ? page.last.map { SagaCursor.encode(SagaQuery.Position(updatedAt: $0.updatedAt, id: $0.id)) } : nil
        return try jsonResponse(SagaPage(items: page.map(SagaSummary.init), nextCursor: next))
    }

    // MARK: - GET /v1/sagas/{id}

    private func detail(_ id: String) async throws -> Response {
        guard let (record, state) = try await findSaga(id) else {
            throw Problem.notFound("no saga with id '\(id)'")
        }
        let plan = orchestrator.definitions.plan(type: record.type, version: record.version)
        let history = SagaHistory(
            entries: try await orchestrator.progressHistory(sagaID: record.id), limit: orchestrator.settings.progressHistory
        )
        return try jsonResponse(SagaDetail(record: record, state: state, plan: plan, history: history))
    }

    /// A saga by id, or by the short prefix the CLI prints when only one saga's id starts with it.
    /// - Throws: a 409 ``Problem`` when the prefix names several sagas.
    func findSaga(_ id: String) async throws -> (record: SagaRecord, state: SagaState)? {
        if let found = try await read(id) { return found }
        guard id.count >= 4 else { return nil }
        let matches = try await orchestrator.listSagas(SagaQuery(limit: 2, idPrefix: id))
        if matches.count > 1 {
            throw Problem(.conflict, "Ambiguous Id", detail: "several sagas have ids starting with '\(id)' (\(matches.map(\.id).joined(separator: ", ")), ...); give more of the id")
        }
        guard let match = matches.first else { return nil }
        return try await read(match.id)
    }

    private func read(_ id: String) async throws -> (record: SagaRecord, state: SagaState)? {
        do {
            return try await orchestrator.saga(id: id)
        } catch let error as SagaCoreError {
            throw Problem(.internalServerError, "Unreadable Saga", detail: "the stored state of saga '\(id)' cannot be read: \(error.message)")
        }
    }

    // MARK: - POST /v1/sagas

    private func start(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.only(["type", "version", "sagaId", "businessKey", "payload", "onConflict"])
        guard let type = try body.string("type"), !type.isEmpty else {
            throw Problem(.unprocessableContent, "Unprocessable Content", detail: "'type' (the saga definition's name) is required")
        }
        let version = try body.int("version")
        var conflict: StartSagaCommand.ConflictPolicy?
        if let text = try body.string("onConflict") {
            guard let policy = StartSagaCommand.ConflictPolicy(rawValue: text) else {
                throw Problem(.unprocessableContent, "Unprocessable Content", detail: "'onConflict' must be reject or return-existing")
            }
            conflict = policy
        }
        var command = StartSagaCommand(
            sagaType: type, sagaVersion: version, sagaId: try body.string("sagaId"), businessKey: try body.string("businessKey"),
            payload: body.members["payload"] ?? .emptyObject, onConflict: conflict
        )
        if let problem = command.validationProblem() {
            throw Problem(.unprocessableContent, "Unprocessable Content", detail: problem)
        }
        do {
            _ = try orchestrator.definitions.plan(for: command)
        } catch {
            let known = orchestrator.definitions.versions.map { "\($0.type)@\($0.version)" }.joined(separator: ", ")
            throw Problem(.unprocessableContent, "Unknown Saga Type", detail: "\(error.message); this orchestrator runs \(known)")
        }
        let id = SagaStart.sagaID(for: command) ?? UUID().uuidString.lowercased()
        command.sagaId = id
        do {
            try await publisher.start(command, sagaID: id)
        } catch {
            throw Problem(.serviceUnavailable, "Not Published", detail: "the start command could not be published to Kafka: \(error)")
        }
        let location = "/v1/sagas/\(id)"
        return try jsonResponse(
            ["sagaId": id, "type": type, "location": location],
            status: .accepted,
            headers: [.location: location]
        )
    }
}
