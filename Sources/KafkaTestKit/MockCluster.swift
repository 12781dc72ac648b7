import CRdKafka
import Kafka
import Logging

/// The one owner of the mock cluster and of the long-lived `rd_kafka_t` it lives on.
///
/// `@unchecked Sendable`: the mock's API is thread-safe (each call is a request to the mock's
/// own thread), and `destroy()` runs exactly once, as the final job of the broker's I/O thread,
/// after which nothing uses the pointers.
final class MockCluster: @unchecked Sendable {
    let pointer: OpaquePointer
    private let handle: RdKafkaHandle
    let bootstraps: String
    let events: RdKafkaEventWaiter

    init(brokerCount: Int, logger: Logger) throws(KafkaError) {
        // socket.nagle.disable: the mock answers on sockets set up from this handle's configuration.
        let conf = try RdKafkaConfiguration(properties: ["client.id": "embedded-kafka-broker", "socket.nagle.disable": "true"])
        handle = try RdKafkaHandle(type: RD_KAFKA_PRODUCER, configuration: conf, context: RdKafkaClientContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(handle.pointer, Int32(brokerCount)) else {
            handle.destroy()
            throw .clientCreation("rd_kafka_mock_cluster_new failed")
        }
        pointer = cluster
        bootstraps = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        do {
            events = try RdKafkaEventWaiter(handle: handle)
        } catch {
            rd_kafka_mock_cluster_destroy(cluster)
            handle.destroy()
            throw error
        }
    }

    func check(_ err: rd_kafka_resp_err_t, _ what: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .librdkafka(err, context: what) }
    }

    func destroy() {
        rd_kafka_mock_cluster_destroy(pointer)
        events.close()
        handle.destroy()
    }
}
