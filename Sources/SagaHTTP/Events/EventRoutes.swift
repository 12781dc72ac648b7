import Foundation
import HTTPTypes
import Hummingbird
import Kafka
import Logging
import SagaCore
import SagaRuntime
import ServiceLifecycle
import Synchronization

/// `GET /v1/events`: live progress events as Server-Sent Events, read from the progress topic by
/// a consumer of the stream's own (manual assignment: no group, no rebalance), filtered by saga
/// id, type and state. A stream starts at the end of the topic (`from=beginning` for all of it
/// that is still kept), or after the position a reconnecting client sends as `Last-Event-ID`.
/// Streams end at graceful shutdown.
struct EventRoutes: Sendable {
    let orchestrator: Orchestrator
    let configuration: SagaHTTPConfiguration
    let streams: StreamCounter
    let logger: Logger

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// How long a stream waits for events before it checks for shutdown.
    static let pollWait: Duration = .milliseconds(200)
    /// A comment line this often keeps proxies from closing a quiet stream.
    static let keepAlive: Duration = .seconds(15)

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/events") { request, _ in try await stream(request) }
    }

    private func stream(_ request: Request) async throws -> Response {
        let filter = try EventFilter(request.uri.queryParameters)
        let resume = try (request.headers[Self.lastEventID] ?? request.uri.queryParameters["lastEventId"].map(String.init))
            .map { try StreamPosition(parsing: $0) }
        let from = request.uri.queryParameters["from"].map(String.init) ?? "end"
        guard ["end", "beginning"].contains(from) else {
            throw Problem.badRequest("'from' is end (the default) or beginning, got '\(from)'")
        }
        guard streams.acquire(limit: configuration.maxEventStreams) else {
            throw Problem(.serviceUnavailable, "Too Many Streams", detail: "this server already serves \(configuration.maxEventStreams) event streams; try again later")
        }
        let topic = orchestrator.settings.topics.progress
        let consumer: KafkaConsumer
        let start: StreamPosition
        do {
            consumer = try KafkaConsumer(
                configuration: orchestrator.progressConsumerConfiguration(groupID: "saga-http-events-\(UUID().uuidString)", clientID: "saga-http-events"),
                logger: logger
            )
            start = try await Self.startPosition(consumer, topic: topic, resume: resume, fromBeginning: from == "beginning")
            try await consumer.assign(Dictionary(uniqueKeysWithValues: start.nextOffsets.map { (KafkaTopicPartition(topic: topic, partition: $0.key), KafkaOffset($0.value)) }))
        } catch {
            streams.release()
            throw Problem(.serviceUnavailable, "Progress Topic Unavailable", detail: "cannot read the progress topic '\(topic)': \(error)")
        }
        let streams = self.streams
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                defer { streams.release() }
                do {
                    try await Self.pump(consumer, from: start, filter: filter, into: &writer)
                } catch {
                    try? await consumer.close()
                    throw error
                }
                try? await consumer.close()
                try await writer.finish(nil)
            }
        )
    }

    /// Sends events until the client goes, the task is cancelled or the service shuts down.
    private static func pump(_ consumer: KafkaConsumer, from start: StreamPosition, filter: EventFilter, into writer: inout any ResponseBodyWriter) async throws {
        var position = start
        try await writer.write(ByteBuffer(string: "retry: 2000\n: stream open at \(position.id)\n\n"))
        var lastWrite = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let messages = try await consumer.nextBatch(maxMessages: 500, timeout: pollWait)
            var out = ""
            for message in messages {
                position.nextOffsets[message.partition] = message.offset + 1
                guard let value = message.value,
                      case .success(let event) = SagaMessageCodec.decode(ProgressEvent.self, from: value),
                      filter.admits(event)
                else { continue }
                out += "id: \(position.id)\nevent: progress\ndata: \(String(decoding: value, as: UTF8.self))\n\n"
            }
            if !out.isEmpty {
                try await writer.write(ByteBuffer(string: out))
                lastWrite = .now
            } else if ContinuousClock.now - lastWrite >= keepAlive {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                lastWrite = .now
            }
        }
    }

    static func startPosition(_ consumer: KafkaConsumer, topic: String, resume: StreamPosition?, fromBeginning: Bool) async throws -> StreamPosition {
        let partitions = try await consumer.partitions(of: topic, timeout: .seconds(10)).map(\.partition)
        var offsets: [Int32: Int64] = [:]
        for partition in partitions {
            let (low, high) = try await consumer.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(10))
            if let resumed = resume?.nextOffsets[partition] {
                // What the broker no longer keeps is gone; start at the oldest it has.
                offsets[partition] = min(max(resumed, low), high)
            } else {
                offsets[partition] = fromBeginning || resume != nil ? low : high
            }
        }
        return StreamPosition(nextOffsets: offsets)
    }
}

/// Counts open event streams against a bound.
final class StreamCounter: Sendable {
    private let count = Mutex(0)

    var open: Int { count.withLock { $0 } }

    func acquire(limit: Int) -> Bool {
        count.withLock { open in
            guard open < limit else { return false }
            open += 1
            return true
        }
    }

    func release() {
        count.withLock { $0 -= 1 }
    }
}
