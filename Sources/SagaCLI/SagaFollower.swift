import Foundation
import Kafka
import SagaCore

/// Follows one saga's progress until an event the caller waits for, a dead letter of a
/// command about it, or a bound.
struct SagaFollower {
    /// How following ended.
    enum Outcome {
        /// The event the caller waited for.
        case event(ProgressEvent)
        /// The orchestrator sent a command about the saga to the dead-letter topic.
        case deadLettered(DeadLetter)
        /// The bound passed; the last event seen, if any.
        case timedOut(last: ProgressEvent?)
    }

    let feed: ProgressFeed
    let cluster: ClusterSettings

    /// Reads until `done` accepts an event of `sagaID`, a command keyed by `sagaID` is
    /// dead-lettered, or `timeout` passes.
    /// - Parameters:
    ///   - onEvent: called with each event of the saga, in order, with its published bytes.
    /// - Throws: ``OperatorFailure`` when reading fails.
    func follow(
        _ sagaID: String,
        timeout: Duration,
        onEvent: (ProgressEvent, [UInt8]) -> Void,
        until done: (ProgressEvent) -> Bool
    ) async throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var last: ProgressEvent?
        while ContinuousClock.now < deadline {
            let items: [ProgressFeed.Item]
            do {
                items = try await feed.next()
            } catch {
                throw cluster.failure(error, topic: cluster.topics.progress)
            }
            for item in items {
                switch item {
                case .progress(let event, let published) where event.sagaId == sagaID:
                    last = event
                    onEvent(event, published)
                    if done(event) { return .event(event) }
                case .deadLetter(let letter) where letter.topic == cluster.topics.commands && letter.originalKey == sagaID:
                    return .deadLettered(letter)
                default:
                    continue
                }
            }
        }
        return .timedOut(last: last)
    }
}

extension DeadLetter {
    /// The original message's key as text, when it had one.
    var originalKey: String? {
        originalKeyBase64.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }
}
