import Foundation
import Hummingbird
import Kafka
import Logging
import SagaCore
import SagaRuntime

/// One live stream's reader of the progress topic, shared by `/v1/events` (Server-Sent Events)
/// and `/v1/ws` (WebSocket): a consumer of its own by manual assignment (no group, no
/// rebalance), started at the end of the topic, at its beginning, or after a position a
/// reconnecting client sends; it hands back the events its filter admits, each with the
/// position after it.
struct ProgressFeed: Sendable {
    /// What a client asked for: the filter and where to start.
    struct Request: Sendable {
        var filter: EventFilter
        var resume: StreamPosition?
        var fromBeginning: Bool

        /// Reads the query (`sagaId`, `type`, `state`, `from`, `lastEventId`) and the
        /// `Last-Event-ID` header's value, which wins over the query's.
        /// - Throws: a 400 ``Problem`` for a value it cannot take.
        init(parameters: Hummingbird.Parameters, lastEventID: String?) throws {
            filter = try EventFilter(parameters)
            resume = try (lastEventID ?? parameters["lastEventId"].map(String.init)).map { try StreamPosition(parsing: $0) }
            let from = parameters["from"].map(String.init) ?? "end"
            guard ["end", "beginning"].contains(from) else {
                throw Problem.badRequest("'from' is end (the default) or beginning, got '\(from)'")
            }
            fromBeginning = from == "beginning"
        }
    }

    /// One admitted event.
    struct Event {
        /// The stream position after it: the id a client resumes from.
        var id: String
        /// The event's JSON, as on the topic.
        var value: [UInt8]
    }

    private let consumer: KafkaConsumer
    private let filter: EventFilter
    private let streams: StreamCounter
    /// Where the stream is now.
    private(set) var position: StreamPosition

    /// Opens a feed, counted against `limit` open streams.
    /// - Throws: a 503 ``Problem`` when `limit` streams are open or the topic cannot be read.
    init(_ request: Request, orchestrator: Orchestrator, streams: StreamCounter, limit: Int, logger: Logger) async throws {
        guard streams.acquire(limit: limit) else {
            throw Problem(.serviceUnavailable, "Too Many Streams", detail: "this server already serves \(limit) event streams; try again later")
        }
        let topic = orchestrator.settings.topics.progress
        do {
            let consumer = try KafkaConsumer(
                configuration: orchestrator.progressConsumerConfiguration(groupID: "saga-http-events-\(UUID().uuidString)", clientID: "saga-http-events"),
                logger: logger
            )
            do {
                let start = try await Self.startPosition(consumer, topic: topic, resume: request.resume, fromBeginning: request.fromBeginning)
                try await consumer.assign(Dictionary(uniqueKeysWithValues: start.nextOffsets.map {
                    (KafkaTopicPartition(topic: topic, partition: $0.key), KafkaOffset($0.value))
                }))
                self.consumer = consumer
                self.position = start
            } catch {
                try? await consumer.close()
                throw error
            }
        } catch {
            streams.release()
            throw Problem(.serviceUnavailable, "Progress Topic Unavailable", detail: "cannot read the progress topic '\(topic)': \(error)")
        }
        self.filter = request.filter
        self.streams = streams
    }

    /// The admitted events that arrived within `wait` (none when none did).
    mutating func next(wait: Duration) async throws -> [Event] {
        let messages = try await consumer.nextBatch(maxMessages: 500, timeout: wait)
        var events: [Event] = []
        for message in messages {
            position.nextOffsets[message.partition] = message.offset + 1
            guard let value = message.value,
                  case .success(let event) = SagaMessageCodec.decode(ProgressEvent.self, from: value),
                  filter.admits(event)
            else { continue }
            events.append(Event(id: position.id, value: value))
        }
        return events
    }

    /// Leaves the topic and frees the stream's place; call it once.
    func close() async {
        try? await consumer.close()
        streams.release()
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
