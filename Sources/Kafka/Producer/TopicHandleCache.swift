import CRdKafka
import Synchronization

/// The one owner of a producer's `rd_kafka_topic_t` handles, so a send names its topic by handle
/// instead of making librdkafka look the name up for every message.
///
/// `@unchecked Sendable`: topic handles are thread-safe librdkafka objects; they are created
/// under the lock and destroyed once, by `destroyAll()` on the producer's I/O thread before
/// `rd_kafka_destroy`, when no send can run any more.
final class TopicHandleCache: @unchecked Sendable {
    /// Topic name to `rd_kafka_topic_t` address (kept as an integer: a plain Sendable value).
    private let handles = Mutex<[String: UInt]>([:])

    /// The handle for `topic`, created on first use; `nil` when librdkafka refuses the name.
    func handle(for topic: String, in rk: OpaquePointer) -> OpaquePointer? {
        let address: UInt? = handles.withLock { handles in
            if let existing = handles[topic] { return existing }
            guard let created = rd_kafka_topic_new(rk, topic, nil) else { return nil }
            let address = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(created)))
            handles[topic] = address
            return address
        }
        return address.flatMap { OpaquePointer(bitPattern: $0) }
    }

    func destroyAll() {
        handles.withLock { handles in
            for (_, address) in handles { rd_kafka_topic_destroy(OpaquePointer(bitPattern: address)) }
            handles.removeAll()
        }
    }
}
