import Tracing

/// What an export request says of the process, besides its spans.
struct OTLPResource: Sendable {
    /// The resource's attributes: `service.name` first, then the SDK's and `OTEL_RESOURCE_ATTRIBUTES`'.
    var attributes: [(key: String, value: SpanAttribute)]
    /// The instrumentation scope's name.
    var scopeName: String
}

/// OTLP's `ExportTraceServiceRequest` (opentelemetry-proto, `collector/trace/v1`), written as
/// protobuf (`http/protobuf`) or as OTLP/JSON (`http/json`).
enum OTLPEncoding {
    // MARK: - Protobuf

    /// The request as protobuf.
    static func protobuf(_ spans: some Collection<FinishedSpan>, resource: OTLPResource) -> [UInt8] {
        var request = ProtobufWriter(capacity: 200 * spans.count + 256)
        request.message(1) { resourceSpans in  // ExportTraceServiceRequest.resource_spans
            resourceSpans.message(1) { resourceMessage in  // ResourceSpans.resource
                for attribute in resource.attributes { keyValue(&resourceMessage, 1, attribute.key, attribute.value) }
            }
            resourceSpans.message(2) { scopeSpans in  // ResourceSpans.scope_spans
                scopeSpans.message(1) { $0.string(1, resource.scopeName) }  // ScopeSpans.scope
                for span in spans {
                    scopeSpans.message(2) { span.protobuf(into: &$0) }  // ScopeSpans.spans
                }
            }
        }
        return request.bytes
    }

    fileprivate static func keyValue(_ writer: inout ProtobufWriter, _ field: UInt64, _ key: String, _ value: SpanAttribute) {
        writer.message(field) { keyValue in
            keyValue.string(1, key)
            keyValue.message(2) { anyValue(&$0, value) }
        }
    }

    fileprivate static func attributes(_ writer: inout ProtobufWriter, _ field: UInt64, _ attributes: SpanAttributes) {
        attributes.forEach { key, value in keyValue(&writer, field, key, value) }
    }

    /// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5.
    private static func anyValue(_ writer: inout ProtobufWriter, _ value: SpanAttribute) {
        func array(_ values: [SpanAttribute]) {
            writer.message(5) { array in
                for value in values { array.message(1) { anyValue(&$0, value) } }
            }
        }
        switch value {
        case .string(let text): writer.string(1, text, always: true)
        case .bool(let flag): writer.bool(2, flag, always: true)
        case .int32(let number): writer.varint(3, UInt64(bitPattern: Int64(number)), always: true)
        case .int64(let number): writer.varint(3, UInt64(bitPattern: number), always: true)
        case .double(let number): writer.double(4, number)
        case .stringArray(let texts): array(texts.map { .string($0) })
        case .boolArray(let flags): array(flags.map { .bool($0) })
        case .int32Array(let numbers): array(numbers.map { .int32($0) })
        case .int64Array(let numbers): array(numbers.map { .int64($0) })
        case .doubleArray(let numbers): array(numbers.map { .double($0) })
        case .stringConvertible(let value): writer.string(1, value.description, always: true)
        case .stringConvertibleArray(let values): array(values.map { .string($0.description) })
        default: writer.string(1, "\(value)", always: true)
        }
    }
}

extension FinishedSpan {
    /// OTLP's `Span` message.
    fileprivate func protobuf(into span: inout ProtobufWriter) {
        span.bigEndian(1, context.traceID.high, context.traceID.low)
        span.bigEndian(2, context.spanID.value)
        span.string(3, context.traceState ?? "")
        if let parentSpanID { span.bigEndian(4, parentSpanID.value) }
        span.string(5, name)
        span.varint(6, kind.otlpCode)
        span.fixed64(7, startNanoseconds)
        span.fixed64(8, endNanoseconds)
        OTLPEncoding.attributes(&span, 9, attributes)
        for event in events {
            span.message(11) { message in
                message.fixed64(1, event.nanosecondsSinceEpoch)
                message.string(2, event.name)
                OTLPEncoding.attributes(&message, 3, event.attributes)
            }
        }
        for link in links {
            span.message(13) { message in
                message.bigEndian(1, link.context.traceID.high, link.context.traceID.low)
                message.bigEndian(2, link.context.spanID.value)
                message.string(3, link.context.traceState ?? "")
                OTLPEncoding.attributes(&message, 4, link.attributes)
            }
        }
        if let status {
            span.message(15) { message in
                message.string(2, status.message ?? "")
                message.varint(3, status.code == .ok ? 1 : 2)
            }
        }
    }
}

extension SpanKind {
    /// OTLP's `Span.SpanKind` number.
    var otlpCode: UInt64 {
        switch self {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }
}

// MARK: - JSON

extension OTLPEncoding {
    /// The request as OTLP/JSON: protobuf's JSON mapping with ids in hex and 64-bit integers as
    /// strings.
    static func json(_ spans: some Collection<FinishedSpan>, resource: OTLPResource) -> [UInt8] {
        var json = JSONWriter()
        json.raw("{\"resourceSpans\":[{\"resource\":{\"attributes\":")
        json.keyValues(resource.attributes)
        json.raw("},\"scopeSpans\":[{\"scope\":{\"name\":")
        json.string(resource.scopeName)
        json.raw("},\"spans\":[")
        for (index, span) in spans.enumerated() {
            if index > 0 { json.raw(",") }
            span.json(into: &json)
        }
        json.raw("]}]}]}")
        return json.bytes
    }
}

extension FinishedSpan {
    fileprivate func json(into json: inout JSONWriter) {
        json.raw("{\"traceId\":\"\(context.traceID)\",\"spanId\":\"\(context.spanID)\"")
        if let traceState = context.traceState {
            json.raw(",\"traceState\":")
            json.string(traceState)
        }
        if let parentSpanID { json.raw(",\"parentSpanId\":\"\(parentSpanID)\"") }
        json.raw(",\"name\":")
        json.string(name)
        json.raw(",\"kind\":\(kind.otlpCode),\"startTimeUnixNano\":\"\(startNanoseconds)\",\"endTimeUnixNano\":\"\(endNanoseconds)\",\"attributes\":")
        json.attributes(attributes)
        if !events.isEmpty {
            json.raw(",\"events\":[")
            for (index, event) in events.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"timeUnixNano\":\"\(event.nanosecondsSinceEpoch)\",\"name\":")
                json.string(event.name)
                json.raw(",\"attributes\":")
                json.attributes(event.attributes)
                json.raw("}")
            }
            json.raw("]")
        }
        if !links.isEmpty {
            json.raw(",\"links\":[")
            for (index, link) in links.enumerated() {
                if index > 0 { json.raw(",") }
                json.raw("{\"traceId\":\"\(link.context.traceID)\",\"spanId\":\"\(link.context.spanID)\",\"attributes\":")
                json.attributes(link.attributes)
                json.raw("}")
            }
            json.raw("]")
        }
        if let status {
            json.raw(",\"status\":{\"code\":\(status.code == .ok ? 1 : 2)")
            if let message = status.message {
                json.raw(",\"message\":")
                json.string(message)
            }
            json.raw("}")
        }
        json.raw("}")
    }
}

/// Writes JSON text without Foundation: what OTLP/JSON needs.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string: quoted, with `"`, `\` and control characters escaped.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                bytes += Array("\\u00".utf8)
                let digits = Array("0123456789abcdef".utf8)
                bytes += [digits[Int(byte >> 4)], digits[Int(byte & 0xf)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func attributes(_ attributes: SpanAttributes) {
        var list: [(key: String, value: SpanAttribute)] = []
        attributes.forEach { list.append(($0, $1)) }
        keyValues(list)
    }

    mutating func keyValues(_ list: [(key: String, value: SpanAttribute)]) {
        raw("[")
        for (index, attribute) in list.enumerated() {
            if index > 0 { raw(",") }
            raw("{\"key\":")
            string(attribute.key)
            raw(",\"value\":")
            anyValue(attribute.value)
            raw("}")
        }
        raw("]")
    }

    private mutating func anyValue(_ value: SpanAttribute) {
        func array(_ values: [SpanAttribute]) {
            raw("{\"arrayValue\":{\"values\":[")
            for (index, value) in values.enumerated() {
                if index > 0 { raw(",") }
                anyValue(value)
            }
            raw("]}}")
        }
        switch value {
        case .string(let text): raw("{\"stringValue\":"); string(text); raw("}")
        case .bool(let flag): raw("{\"boolValue\":\(flag)}")
        case .int32(let number): raw("{\"intValue\":\"\(number)\"}")
        case .int64(let number): raw("{\"intValue\":\"\(number)\"}")
        case .double(let number) where number.isFinite: raw("{\"doubleValue\":\(number)}")
        case .double(let number): raw("{\"doubleValue\":\"\(number.isNaN ? "NaN" : number > 0 ? "Infinity" : "-Infinity")\"}")
        case .stringArray(let texts): array(texts.map { .string($0) })
        case .boolArray(let flags): array(flags.map { .bool($0) })
        case .int32Array(let numbers): array(numbers.map { .int32($0) })
        case .int64Array(let numbers): array(numbers.map { .int64($0) })
        case .doubleArray(let numbers): array(numbers.map { .double($0) })
        case .stringConvertible(let value): raw("{\"stringValue\":"); string(value.description); raw("}")
        case .stringConvertibleArray(let values): array(values.map { .string($0.description) })
        default: raw("{\"stringValue\":"); string("\(value)"); raw("}")
        }
    }
}
