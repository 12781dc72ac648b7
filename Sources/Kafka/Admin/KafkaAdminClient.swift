import CRdKafka
import DedicatedThreads
import Glibc
import Logging

/// Topic administration: create topics (Kafka's CreateTopics request) and read a topic's
/// partitions from the cluster metadata.
///
/// The embedded mock broker does not implement CreateTopics: there, create topics with
/// `EmbeddedKafkaBroker.createTopic` (KafkaTestKit). Blocking calls run on the client's own
/// I/O thread.
public final class KafkaAdminClient: Sendable {
    let handle: RdKafkaHandle
    let thread: DedicatedThread
    private let events: RdKafkaEventWaiter

    /// Creates an admin client.
    /// - Throws: ``KafkaError`` with librdkafka's message when a property is refused.
    public init(configuration: KafkaAdminConfiguration, logger: Logger) throws(KafkaError) {
        let conf = try RdKafkaConfiguration(properties: configuration.properties)
        handle = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf,
                                   context: RdKafkaClientContext(logger: logger))
        let events = try RdKafkaEventWaiter(handle: handle)
        self.events = events
        thread = DedicatedThread(name: "kafka-admin", idle: { events.waitAndServe() }, wake: { events.wake() })
    }

    deinit {
        thread.finish { [handle, events] in
            events.close()
            handle.destroy()
        }
    }

    /// Creates `topics` and waits for the broker's answer.
    /// - Parameters:
    ///   - topics: the topics.
    ///   - timeout: the bound for the whole request.
    /// - Throws: ``KafkaError`` for the first topic that could not be created (a topic that
    ///   already exists is an error too: `TOPIC_ALREADY_EXISTS`), or when the request failed.
    public func createTopics(_ topics: [KafkaNewTopic], timeout: Duration) async throws(KafkaError) {
        let handle = self.handle
        try await thread.run { () throws(KafkaError) in
            try Self.createTopicsBlocking(handle.pointer, topics, timeoutMs: Int32(clamping: timeout.wholeMilliseconds))
        }
    }

    private static func createTopicsBlocking(_ rk: OpaquePointer, _ topics: [KafkaNewTopic], timeoutMs: Int32) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitionCount, topic.replicationFactor, &errstr, errstr.count) else {
                throw .invalidArgument(errorText(errstr))
            }
            newTopics.append(newTopic)
            for (key, value) in topic.configs {
                let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: "topic config \(key)") }
            }
        }
        let queue = rd_kafka_queue_new(rk)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errstr, errstr.count)

        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(rk, buffer.baseAddress, buffer.count, options, queue)
        }
        // A little beyond the request's own timeout, which reports itself as an event.
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw .timedOut("CreateTopics: no answer")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .admin(err, message: rd_kafka_event_error_string(event).map { String(cString: $0) } ?? "CreateTopics failed")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw .admin(RD_KAFKA_RESP_ERR__FAIL, message: "CreateTopics: unexpected event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        for i in 0..<count {
            let topicResult = results[i]
            let err = rd_kafka_topic_result_error(topicResult)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let name = String(cString: rd_kafka_topic_result_name(topicResult))
                let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
                throw .admin(err, message: "create topic \(name): \(text)")
            }
        }
    }

    /// The partitions of `topic`, from a fresh metadata request.
    /// - Parameters:
    ///   - topic: the topic.
    ///   - timeout: the bound.
    /// - Throws: ``KafkaError`` when the request fails or the broker reports an error for the
    ///   topic (e.g. `UNKNOWN_TOPIC_OR_PART`).
    public func partitions(of topic: String, timeout: Duration) async throws(KafkaError) -> [KafkaPartitionMetadata] {
        let handle = self.handle
        return try await thread.run { () throws(KafkaError) in
            try readPartitionsFailingFast(handle, topic: topic, timeout: timeout)
        }
    }
}

/// How long a metadata request goes on once librdkafka said every broker is down: long enough
/// for a broker that is starting to be reached on a retry, far shorter than a typical timeout.
let allBrokersDownGrace = Duration.seconds(3)

/// Blocking metadata request for one topic that gives up early when no broker can be reached:
/// asks in short rounds, and fails with `_ALL_BROKERS_DOWN` once librdkafka has reported every
/// broker down and ``allBrokersDownGrace`` has passed (librdkafka says so right after the
/// connections are refused, while one long request would wait out the whole `timeout`).
func readPartitionsFailingFast(_ handle: RdKafkaHandle, topic: String, timeout: Duration) throws(KafkaError) -> [KafkaPartitionMetadata] {
    let started = ContinuousClock.now
    let deadline = started + timeout
    while true {
        let round = min(deadline - ContinuousClock.now, .milliseconds(250))
        do {
            return try readPartitions(handle.pointer, topic: topic, timeoutMs: Int32(clamping: max(round, .milliseconds(1)).wholeMilliseconds))
        } catch where error.rdKafkaCode == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue || error.rdKafkaCode == RD_KAFKA_RESP_ERR__TRANSPORT.rawValue {
            if ContinuousClock.now >= deadline { throw error }
            // Error events reach the error callback only through a poll: this thread is the
            // one that would serve them, and it is busy here.
            _ = rd_kafka_poll(handle.pointer, 0)
            // The report may predate this request (the client's thread served it before), and it
            // is made once per outage: any report counts, with every round failing since.
            if handle.context.lastAllBrokersDown != nil, ContinuousClock.now - started >= allBrokersDownGrace {
                throw .librdkafka(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, context: "metadata for \(topic): no broker answers")
            }
            // A refused connection fails a round at once: pause instead of spinning.
            usleep(50_000)
        }
    }
}

/// Blocking metadata request for one topic. Shared with the other clients.
func readPartitions(_ rk: OpaquePointer, topic: String, timeoutMs: Int32) throws(KafkaError) -> [KafkaPartitionMetadata] {
    guard let rkt = rd_kafka_topic_new(rk, topic, nil) else {
        throw .librdkafka(rd_kafka_last_error(), context: "topic handle \(topic)")
    }
    defer { rd_kafka_topic_destroy(rkt) }
    var metadata: UnsafePointer<rd_kafka_metadata>?
    let err = rd_kafka_metadata(rk, 0, rkt, &metadata, timeoutMs)
    guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
        throw .librdkafka(err, context: "metadata for \(topic)")
    }
    defer { rd_kafka_metadata_destroy(metadata) }
    let md = metadata.pointee
    guard md.topic_cnt > 0, let topics = md.topics else {
        throw .librdkafka(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, context: "metadata for \(topic)")
    }
    let t = topics[0]
    if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(t.err, context: "metadata for \(topic)") }
    return (0..<Int(t.partition_cnt)).map { i in
        let p = t.partitions[i]
        return KafkaPartitionMetadata(
            partition: p.id, leader: p.leader,
            replicas: (0..<Int(p.replica_cnt)).map { p.replicas[$0] },
            inSyncReplicas: (0..<Int(p.isr_cnt)).map { p.isrs[$0] })
    }.sorted { $0.partition < $1.partition }
}
