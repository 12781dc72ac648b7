import Kafka
import SagaStore
import Tracing

/// Trace context passed between a tracer and Kafka headers: a tracer writes (injects) the keys
/// it propagates — `traceparent` for W3C Trace Context — and reads (extracts) them back.
enum TraceCarrier {
    /// Writes a tracer's keys into a dictionary.
    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key] = value
        }
    }

    /// Reads a tracer's keys from a dictionary.
    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? {
            carrier[key]
        }
    }

    /// Reads a tracer's keys from a consumed message's headers.
    struct HeadersExtractor: Extractor {
        func extract(key: String, from carrier: [KafkaHeader]) -> String? {
            for header in carrier where header.name == key {
                return header.value.map { String(decoding: $0, as: UTF8.self) }
            }
            return nil
        }
    }

    /// Puts the keys a tracer injected on outbox headers, replacing headers of the same name.
    static func merge(_ values: [String: String], into headers: inout [OutboxHeader]) {
        for (name, value) in values {
            let bytes = Array(value.utf8)
            if let index = headers.firstIndex(where: { $0.name == name }) {
                headers[index].value = bytes
            } else {
                headers.append(OutboxHeader(name: name, value: bytes))
            }
        }
    }

    /// The 32 hex digits of a W3C `traceparent`'s trace id (`00-<trace-id>-<span-id>-<flags>`),
    /// or `nil` when the text is not one.
    static func traceID(of traceparent: String?) -> String? {
        guard let traceparent else { return nil }
        let utf8 = traceparent.utf8
        guard utf8.count >= 55, utf8.first == UInt8(ascii: "0") else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: 3)
        let end = utf8.index(start, offsetBy: 32)
        guard utf8[end] == UInt8(ascii: "-") else { return nil }
        return String(traceparent[start..<end])
    }

    /// Whether a W3C `traceparent` asks for its trace to be recorded: the sampled bit of its flags
    /// (`00-<trace-id>-<span-id>-<flags>`). A missing or unreadable one says nothing, so `true`:
    /// the tracer's sampler decides.
    static func isSampled(_ traceparent: String?) -> Bool {
        guard let traceparent else { return true }
        let utf8 = traceparent.utf8
        guard utf8.count >= 55, let flags = UInt8(traceparent.suffix(2), radix: 16) else { return true }
        return flags & 1 == 1
    }
}
