import Foundation
import Hummingbird
import Kafka
import Logging
import SagaCore
import SagaRuntime

/// `POST /v1/sagas/{id}/cancel|pause|resume|compensate` and `/v1/sagas/{id}/steps/{step}/retry`:
/// publish the control to the commands topic, where the owner of the saga's partition applies it.
///
/// With `?wait=5s` (up to 30 s) it waits for the owner's verdict on the progress topic and answers
/// 200 with it (`applied`, or `rejected` with the reason), or 202 when none came in time.
struct ControlRoutes: Sendable {
    let sagas: SagaRoutes
    let publisher: CommandPublisher
    let configuration: SagaHTTPConfiguration
    let streams: StreamCounter
    let logger: Logger

    /// The progress events that answer a control.
    static let verdicts: Set<ProgressEvent.Kind> = [.paused, .resumed, .retryRequested, .compensationForced, .compensationStarted, .controlRejected]

    func add(to router: Router<SagaRequestContext>) {
        for action in [ControlCommand.Action.cancel, .pause, .resume, .compensate] {
            router.post("/v1/sagas/:id/\(action.rawValue)") { request, context in
                try await control(action, id: context.parameters.require("id"), step: nil, request)
            }
        }
        router.post("/v1/sagas/:id/steps/:step/retry") { request, context in
            try await control(.retry, id: context.parameters.require("id"), step: context.parameters.require("step"), request)
        }
    }

    private func control(_ action: ControlCommand.Action, id: String, step: String?, _ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.only(["reason", "requestedBy"])
        guard let (record, _) = try await sagas.findSaga(id) else {
            throw Problem.notFound("no saga with id '\(id)'")
        }
        if let step, let plan = sagas.orchestrator.definitions.plan(type: record.type, version: record.version), plan.index(ofStep: step) == nil {
            throw Problem.notFound("saga '\(id)' (\(record.type) version \(record.version)) has no step '\(step)'; its steps are \(plan.steps.map(\.name).joined(separator: ", "))")
        }
        let command = ControlCommand(
            sagaId: record.id, action: action, step: step,
            reason: try body.string("reason"), requestedBy: try body.string("requestedBy") ?? "http"
        )
        let wait = try request.uri.queryParameters["wait"].map { try Self.duration(String($0)) }
        // Watch the progress topic from before the control is published, so the verdict is not missed.
        var watcher: KafkaConsumer?
        if wait != nil { watcher = try await verdictWatcher() }
        do {
            try await publisher.control(command)
        } catch {
            try? await watcher?.close()
            throw Problem(.serviceUnavailable, "Not Published", detail: "the control could not be published to Kafka: \(error)")
        }
        var answer = ["sagaId": record.id, "action": action.rawValue, "status": "published", "location": "/v1/sagas/\(record.id)"]
        if let step { answer["step"] = step }
        if let watcher, let wait {
            let verdict = await Self.verdict(for: record.id, from: watcher, within: wait)
            try? await watcher.close()
            streams.release()
            if let verdict {
                answer["status"] = verdict.event == .controlRejected ? "rejected" : "applied"
                answer["event"] = verdict.event.rawValue
                answer["state"] = verdict.state.rawValue
                answer["sequence"] = "\(verdict.sequence)"
                if let reason = verdict.reason { answer["reason"] = reason }
                return try jsonResponse(answer, status: .ok)
            }
            answer["detail"] = "published; no verdict from the saga's owner within \(wait)"
        }
        return try jsonResponse(answer, status: .accepted)
    }

    /// A consumer at the end of every partition of the progress topic (it takes a stream slot).
    private func verdictWatcher() async throws -> KafkaConsumer {
        guard streams.acquire(limit: configuration.maxEventStreams) else {
            throw Problem(.serviceUnavailable, "Too Many Streams", detail: "this server already follows \(configuration.maxEventStreams) streams; try without wait")
        }
        let orchestrator = sagas.orchestrator
        let topic = orchestrator.settings.topics.progress
        do {
            let consumer = try KafkaConsumer(
                configuration: orchestrator.progressConsumerConfiguration(groupID: "saga-http-verdict-\(UUID().uuidString)", clientID: "saga-http-verdict"),
                logger: logger
            )
            let start = try await ProgressFeed.startPosition(consumer, topic: topic, resume: nil, fromBeginning: false)
            try await consumer.assign(Dictionary(uniqueKeysWithValues: start.nextOffsets.map { (KafkaTopicPartition(topic: topic, partition: $0.key), KafkaOffset($0.value)) }))
            return consumer
        } catch {
            streams.release()
            throw Problem(.serviceUnavailable, "Progress Topic Unavailable", detail: "cannot read the progress topic '\(topic)' to wait for the verdict: \(error)")
        }
    }

    private static func verdict(for sagaID: String, from consumer: KafkaConsumer, within wait: Duration) async -> ProgressEvent? {
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline && !Task.isCancelled {
            guard let messages = try? await consumer.nextBatch(maxMessages: 500, timeout: .milliseconds(100)) else { return nil }
            for message in messages {
                guard let value = message.value, case .success(let event) = SagaMessageCodec.decode(ProgressEvent.self, from: value),
                      event.sagaId == sagaID, verdicts.contains(event.event)
                else { continue }
                return event
            }
        }
        return nil
    }

    /// `5s`, `500ms` or a number of seconds; at most 30 s.
    static func duration(_ text: String) throws -> Duration {
        let value: Duration?
        if text.hasSuffix("ms"), let n = Int64(text.dropLast(2)) {
            value = .milliseconds(n)
        } else if text.hasSuffix("s"), let n = Double(text.dropLast()) {
            value = .milliseconds(Int64(n * 1000))
        } else if let n = Double(text) {
            value = .milliseconds(Int64(n * 1000))
        } else {
            value = nil
        }
        guard let value, value > .zero, value <= .seconds(30) else {
            throw Problem.badRequest("'wait' takes a duration up to 30s (5s, 500ms), got '\(text)'")
        }
        return value
    }
}
