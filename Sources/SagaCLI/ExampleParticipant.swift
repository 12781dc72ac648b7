import ArgumentParser
import SagaExamples
import SagaParticipant

/// One of the example participants of `SagaExamples`, by the name `saga participant example` takes.
struct ExampleParticipant: Sendable {
    /// The name on the command line.
    var name: String
    /// The participant's name: its consumer group and the key space of its dedupe records.
    var serviceName: String
    /// Its command topic in the example definitions.
    var topic: String
    /// Makes its handlers (each call is a fresh service with empty state).
    var makeHandlers: @Sendable () -> ParticipantHandlers

    static let all: [ExampleParticipant] = [
        ExampleParticipant(name: "user", serviceName: "user-service", topic: UserService.topic) { UserService().handlers },
        ExampleParticipant(name: "payment", serviceName: "payment-service", topic: PaymentService.topic) { PaymentService().handlers },
        ExampleParticipant(name: "controllable", serviceName: "controllable-participant", topic: ControllableParticipant.topic) {
            ControllableParticipant().handlers
        },
    ]

    /// The names `saga participant example` accepts, for help and errors.
    static var names: String { all.map(\.name).joined(separator: ", ") }

    /// The example called `name`.
    /// - Throws: `ValidationError` listing the names when there is none.
    static func named(_ name: String) throws -> ExampleParticipant {
        guard let example = all.first(where: { $0.name == name }) else {
            throw ValidationError("no example participant '\(name)': the examples are \(names)")
        }
        return example
    }
}
