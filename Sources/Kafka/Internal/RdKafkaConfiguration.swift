import CRdKafka

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`.
///
/// `rd_kafka_new` takes the conf only when it succeeds; on failure the conf is still ours, so
/// ``deinit`` frees it unless ``release()`` was called after a successful `rd_kafka_new`.
package final class RdKafkaConfiguration {
    package private(set) var pointer: OpaquePointer?

    /// Builds a conf from `properties`, refusing the first unknown or invalid one with
    /// librdkafka's own message.
    package init(properties: [String: String]) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw .clientCreation("rd_kafka_conf_new returned NULL")
        }
        pointer = conf
        // Sorted so that a refusal names the same property on every run.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            try set(key, value)
        }
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    /// Sets one property, throwing librdkafka's `errstr` when it is refused.
    package func set(_ key: String, _ value: String) throws(KafkaError) {
        guard let pointer else { throw .invalidArgument("configuration already consumed") }
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &errstr, errstr.count)
        if result != RD_KAFKA_CONF_OK {
            let message = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                 as: UTF8.self)
            throw .configuration(message.isEmpty ? "property \"\(key)\" refused" : message)
        }
    }

    /// Creates the client handle. On success librdkafka owns the conf and so does not free it here.
    package func makeHandle(type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        guard let conf = pointer else { throw .invalidArgument("configuration already consumed") }
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            let message = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                 as: UTF8.self)
            throw .clientCreation(message)
        }
        pointer = nil
        return handle
    }
}

/// The NUL-terminated text librdkafka wrote into an `errstr` buffer.
package func errorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
