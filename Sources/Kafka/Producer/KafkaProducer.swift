import CRdKafka
import DedicatedThreads
import Logging
import Synchronization

/// A Kafka producer: idempotent with `acks=all` by default, murmur2 partitioning like the Java
/// client, awaitable sends that return once the broker acknowledged.
///
/// A dedicated thread polls librdkafka for delivery reports and runs ``flush(timeout:)`` and the
/// final destroy, so nothing blocks Swift's cooperative thread pool. Call ``shutdown(flushTimeout:)``
/// before dropping the producer to deliver what is queued; dropping it without that purges queued
/// messages (their sends fail with a shut-down error).
///
/// A fatal error (for an idempotent producer, e.g. a sequence desynchronization) is never
/// swallowed: it fails the affected sends, is available as ``fatalError``, and every later
/// ``send(_:)`` throws it. Recreate the producer then.
public final class KafkaProducer: Sendable {
    let handle: RdKafkaHandle
    private let thread: DedicatedThread
    /// Whether the producer is shut down, and the topics it knows. Produce calls themselves run
    /// only on the I/O thread, always before its final job (the destroy).
    let lifecycle = Mutex(Lifecycle())
    let topicHandles = TopicHandleCache()
    private let events: RdKafkaEventWaiter
    private let logger: Logger

    struct Lifecycle {
        var closed = false
        /// Topics whose metadata this producer has fetched (see ``warmUp(topicsOf:)``).
        var knownTopics: Set<String> = []
    }

    /// Creates a producer.
    /// - Parameters:
    ///   - configuration: the configuration; see ``KafkaProducerConfiguration`` for defaults.
    ///   - logger: where librdkafka's logs and the producer's own go.
    /// - Throws: ``KafkaError`` with librdkafka's message when a property is unknown or invalid
    ///   or the client cannot be created.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        let conf = try RdKafkaConfiguration(properties: configuration.properties)
        let context = RdKafkaClientContext(logger: logger)
        installDeliveryReportCallback(on: conf)
        let handle = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf, context: context)
        self.handle = handle
        self.logger = logger
        let events = try RdKafkaEventWaiter(handle: handle)
        self.events = events
        self.thread = DedicatedThread(name: "kafka-producer", idle: { events.waitAndServe() }, wake: { events.wake() })
    }

    deinit {
        lifecycle.withLock { $0.closed = true }
        thread.finish { [handle, topicHandles, events] in Self.destroy(handle, topicHandles, events, flushTimeout: .zero) }
    }

    /// The fatal error this producer raised, if any; once set the producer must be recreated.
    public var fatalError: KafkaError? { handle.context.fatalError }

    /// Sends one message and returns once the broker acknowledged it (per `acks`).
    /// - Parameter message: the message; a `nil` value is a tombstone.
    /// - Returns: where it was stored.
    /// - Throws: ``KafkaError``: delivery failed (e.g. `message.timeout.ms` passed), the producer
    ///   is shut down, or it raised a fatal error.
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        let results = await send([message])
        return try results[0].get()
    }

    /// Sends a batch and returns each message's outcome, in order, once all have one.
    ///
    /// Messages are handed to librdkafka at once and batched by it; no message's failure stops
    /// the others. The hand-over runs on the producer's I/O thread, which also serves the
    /// delivery reports: one thread allocates and frees librdkafka's messages, as in a plain C
    /// client, and a full librdkafka queue is drained by polling, not by sleeping.
    /// - Parameter messages: the messages.
    /// - Returns: one result per message, in the same order.
    public func send(_ messages: [KafkaProducerMessage]) async -> KafkaDeliveryReports {
        await enqueue(messages).reports()
    }

    /// Hands a batch to librdkafka and returns at once, before any outcome: the messages are
    /// queued after those of every earlier call that returned, so a caller can keep several
    /// batches in flight and still have them produced in call order.
    /// - Parameter messages: the messages.
    /// - Returns: the batch in flight; ``KafkaPendingDelivery/reports()`` waits for its outcomes.
    public func enqueue(_ messages: [KafkaProducerMessage]) async -> KafkaPendingDelivery {
        await warmUp(topicsOf: messages)
        let batch = DeliveryBatch(count: messages.count)
        let accepted = thread.submit { [self] in
            enqueue(messages, into: batch)
        }
        if !accepted { batch.failAll(from: 0, with: .shutDown("the producer is shut down")) }
        return KafkaPendingDelivery(batch: batch, messages: messages)
    }

    /// Waits until every queued message has an outcome, or `timeout` passes.
    /// - Parameter timeout: the bound.
    /// - Throws: ``KafkaError`` (timed out) naming how many messages are still queued.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let handle = self.handle
        try await thread.run { () throws(KafkaError) in
            let err = rd_kafka_flush(handle.pointer, Int32(clamping: timeout.wholeMilliseconds))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw .timedOut("flush: \(rd_kafka_outq_len(handle.pointer)) messages still queued")
            }
        }
    }

    /// Flushes within `flushTimeout`, then purges what is left (those sends fail) and destroys
    /// the client. Later sends throw a shut-down error. Calling it twice is harmless.
    /// - Parameter flushTimeout: how long to wait for queued messages. Default 10 s.
    public func shutdown(flushTimeout: Duration = .seconds(10)) async {
        let handle = self.handle
        let topicHandles = self.topicHandles
        let events = self.events
        let alreadyClosed = lifecycle.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            thread.finish {
                Self.destroy(handle, topicHandles, events, flushTimeout: flushTimeout)
                continuation.resume()
            }
        }
    }

    /// Runs on the I/O thread as its final job.
    private static func destroy(
        _ handle: RdKafkaHandle, _ topicHandles: TopicHandleCache, _ events: RdKafkaEventWaiter, flushTimeout: Duration
    ) {
        if flushTimeout > .zero {
            _ = rd_kafka_flush(handle.pointer, Int32(clamping: flushTimeout.wholeMilliseconds))
        }
        // Fail what is left so no sender waits forever, then serve those reports.
        _ = rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        _ = rd_kafka_flush(handle.pointer, 1000)
        _ = rd_kafka_poll(handle.pointer, 0)
        topicHandles.destroyAll()
        events.close()
        handle.destroy()
    }

    func runOnThread<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        try await thread.run(body)
    }

    /// Makes librdkafka raise a fatal error as if the broker had caused one (librdkafka's own
    /// test hook, `rd_kafka_test_fatal_error`). For tests of fatal-error handling only.
    public func _raiseFatalErrorForTesting(reason: String) {
        _ = rd_kafka_test_fatal_error(handle.pointer, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason)
    }
}
