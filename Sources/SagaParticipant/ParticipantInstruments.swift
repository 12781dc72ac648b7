import CoreMetrics
import SagaCore

/// A participant service's swift-metrics instruments, made on the process's bootstrapped
/// `MetricsSystem` when the service is created: an application that bootstraps a backend
/// (swift-prometheus, say) before creating its ``ParticipantService`` gets them.
///
/// | name | kind | labels |
/// | --- | --- | --- |
/// | `saga_participant_commands_total` | counter | `participant`, `phase`, `outcome` (`succeeded`, `failed-retryable`, `rejected`, `error` for a handler that threw) |
/// | `saga_participant_handler_duration_seconds` | histogram | `participant`, `phase` |
/// | `saga_participant_duplicates_total` | counter | `participant` (answered from the dedupe store) |
/// | `saga_participant_dead_letters_total` | counter | `participant` |
/// | `saga_participant_redeliveries_total` | counter | `participant` |
/// | `saga_participant_replies_total` | counter | `participant` (replies the broker acknowledged) |
/// | `saga_participant_offset_commits_total` | counter | `participant` |
struct ParticipantInstruments: Sendable {
    let participant: String
    let factory: any MetricsFactory

    init(participant: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.participant = participant
        self.factory = factory
    }

    func handled(phase: SagaPhase, outcome: String, duration: Duration) {
        Counter(label: "saga_participant_commands_total", dimensions: [("participant", participant), ("phase", phase.rawValue), ("outcome", outcome)], factory: factory)
            .increment()
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        Timer(label: "saga_participant_handler_duration_seconds", dimensions: [("participant", participant), ("phase", phase.rawValue)], factory: factory)
            .recordNanoseconds(nanoseconds)
    }

    func duplicate() { count("saga_participant_duplicates_total") }
    func deadLettered() { count("saga_participant_dead_letters_total") }
    func redelivered() { count("saga_participant_redeliveries_total") }
    func replied() { count("saga_participant_replies_total") }
    func committedOffsets() { count("saga_participant_offset_commits_total") }

    private func count(_ label: String) {
        Counter(label: label, dimensions: [("participant", participant)], factory: factory).increment()
    }
}
