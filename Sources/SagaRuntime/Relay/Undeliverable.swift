import SagaCore

/// A participant command Kafka refused for good, reported by the relay to the loop, which
/// applies it to the saga as ``SagaInput/undeliverable(step:phase:reason:)``.
struct Undeliverable: Sendable, Hashable {
    var sagaID: String
    var step: String
    var phase: SagaPhase
    var reason: String
}
