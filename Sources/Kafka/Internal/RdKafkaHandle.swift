import CRdKafka

/// The one owner of an `rd_kafka_t` and of the context its callbacks use.
///
/// `@unchecked Sendable`: `rd_kafka_t` is thread-safe for the calls we make on it (librdkafka
/// documents its API as thread-safe), and `destroy()` is called exactly once, by the client's
/// ``DedicatedThread`` as its final job, after which no job uses the pointer.
package final class RdKafkaHandle: @unchecked Sendable {
    package let pointer: OpaquePointer
    package let context: RdKafkaClientContext
    private var destroyed = false

    /// Creates the handle from `configuration`, installing `context`'s callbacks first.
    package init(
        type: rd_kafka_type_t, configuration: RdKafkaConfiguration, context: RdKafkaClientContext
    ) throws(KafkaError) {
        context.install(on: configuration)
        self.pointer = try configuration.makeHandle(type: type)
        self.context = context
    }

    /// The client's name as librdkafka knows it (e.g. `rdkafka#producer-1`).
    package var name: String { String(cString: rd_kafka_name(pointer)) }

    /// Blocking: call on the client's I/O thread only, once.
    package func destroy() {
        precondition(!destroyed, "rd_kafka_t destroyed twice")
        destroyed = true
        rd_kafka_destroy(pointer)
        // `context` stays alive until this object goes: log callbacks during destroy still find it.
    }
}
