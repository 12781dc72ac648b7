import Hummingbird
import SagaCore

/// Which progress events a stream sends: by saga id, saga type and the saga's status after the
/// transition (each optional; `state` takes a comma-separated list).
struct EventFilter: Sendable {
    var sagaID: String?
    var type: String?
    var states: Set<String> = []

    init(_ parameters: Parameters) throws {
        sagaID = parameters["sagaId"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        type = parameters["type"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        if let text = parameters["state"].map(String.init), !text.isEmpty {
            let names = text.split(separator: ",").map(String.init)
            if let unknown = names.first(where: { !SagaRoutes.statuses.contains($0) }) {
                throw Problem.badRequest("'state' has '\(unknown)'; it takes a comma-separated list of \(SagaRoutes.statuses.joined(separator: ", "))")
            }
            states = Set(names)
        }
    }

    func admits(_ event: ProgressEvent) -> Bool {
        if let sagaID, event.sagaId != sagaID { return false }
        if let type, event.sagaType != type { return false }
        if !states.isEmpty, !states.contains(event.state.rawValue) { return false }
        return true
    }
}
