import Tracing

/// A span's identity as W3C Trace Context carries it: trace id, span id, whether the trace is
/// sampled, and the vendors' `tracestate`, passed on untouched.
public struct OTLPSpanContext: Sendable, Hashable {
    /// The trace's 16-byte id.
    public var traceID: TraceID
    /// The span's 8-byte id.
    public var spanID: SpanID
    /// Whether the trace is recorded (the `sampled` flag).
    public var isSampled: Bool
    /// The `tracestate` header, when one came with the parent.
    public var traceState: String?
    /// Whether it came from another process (extracted), not started here.
    public var isRemote: Bool

    /// - Parameters:
    ///   - traceID: the trace id.
    ///   - spanID: the span id.
    ///   - isSampled: the sampled flag.
    ///   - traceState: the `tracestate` header, if any.
    ///   - isRemote: whether it was extracted from another process.
    public init(traceID: TraceID, spanID: SpanID, isSampled: Bool, traceState: String? = nil, isRemote: Bool = false) {
        self.traceID = traceID
        self.spanID = spanID
        self.isSampled = isSampled
        self.traceState = traceState
        self.isRemote = isRemote
    }

    /// The W3C `traceparent` header: `00-<trace id>-<span id>-<flags>`.
    public var traceparent: String {
        String(unsafeUninitializedCapacity: 55) { buffer in
            let dash = UInt8(ascii: "-"), zero = UInt8(ascii: "0")
            buffer[0] = zero
            buffer[1] = zero
            buffer[2] = dash
            Hex.write(traceID.high, to: buffer, at: 3)
            Hex.write(traceID.low, to: buffer, at: 19)
            buffer[35] = dash
            Hex.write(spanID.value, to: buffer, at: 36)
            buffer[52] = dash
            buffer[53] = zero
            buffer[54] = isSampled ? UInt8(ascii: "1") : zero
            return 55
        }
    }

    /// Reads a W3C `traceparent`; `nil` when it is not one (wrong length or separators, not hex,
    /// version `ff`, an all-zero id). A version above `00` is read by its first four fields, as the
    /// specification asks.
    /// - Parameters:
    ///   - traceparent: the header's value.
    ///   - traceState: the `tracestate` header that came with it.
    public init?(traceparent: String, traceState: String? = nil) {
        let utf8 = Array(traceparent.utf8)
        guard utf8.count >= 55, utf8[2] == UInt8(ascii: "-"), utf8[35] == UInt8(ascii: "-"), utf8[52] == UInt8(ascii: "-"),
              let version = Hex.value(utf8[0..<2]), version != 0xff,
              let high = Hex.value(utf8[3..<19]), let low = Hex.value(utf8[19..<35]),
              let span = Hex.value(utf8[36..<52]), let flags = Hex.value(utf8[53..<55]),
              high != 0 || low != 0, span != 0 else { return nil }
        guard utf8.count == 55 || (version > 0 && utf8[55] == UInt8(ascii: "-")) else { return nil }
        self.init(traceID: TraceID(high: high, low: low), spanID: SpanID(span), isSampled: flags & 1 == 1,
                  traceState: traceState.flatMap { $0.isEmpty ? nil : $0 }, isRemote: true)
    }
}

/// A trace's 16-byte id.
public struct TraceID: Sendable, Hashable, CustomStringConvertible {
    /// Its first eight bytes, big-endian.
    public var high: UInt64
    /// Its last eight bytes, big-endian.
    public var low: UInt64

    /// - Parameters:
    ///   - high: the first eight bytes.
    ///   - low: the last eight bytes.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits, as W3C Trace Context and OTLP/JSON write it.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        Hex.append(high, to: &bytes)
        Hex.append(low, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A span's 8-byte id.
public struct SpanID: Sendable, Hashable, CustomStringConvertible {
    /// Its eight bytes, big-endian.
    public var value: UInt64

    /// - Parameter value: the eight bytes, big-endian.
    public init(_ value: UInt64) {
        self.value = value
    }

    /// 16 lowercase hex digits.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        Hex.append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ServiceContext {
    /// The span context of the span this context belongs to, as ``OTLPTracer`` stores it.
    public var otlpSpanContext: OTLPSpanContext? {
        get { self[OTLPSpanContextKey.self] }
        set { self[OTLPSpanContextKey.self] = newValue }
    }
}

private enum OTLPSpanContextKey: ServiceContextKey {
    typealias Value = OTLPSpanContext
    static let nameOverride: String? = "otlp-span-context"
}

/// Lowercase hex, fixed width, without Foundation.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the 16 hex digits of `word`, most significant first.
    static func append(_ word: UInt64, to bytes: inout [UInt8]) {
        var shift = 60
        while shift >= 0 {
            bytes.append(digits[Int((word >> UInt64(shift)) & 0xf)])
            shift -= 4
        }
    }

    /// Writes the 16 hex digits of `word`, most significant first, at `start`.
    static func write(_ word: UInt64, to buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        let digits: StaticString = "0123456789abcdef"
        digits.withUTF8Buffer { digits in
            for offset in 0..<16 {
                buffer[start + offset] = digits[Int((word >> UInt64(60 - 4 * offset)) & 0xf)]
            }
        }
    }

    /// The value of up to 16 hex digits (either case); `nil` when one is not a hex digit.
    static func value(_ text: ArraySlice<UInt8>) -> UInt64? {
        var result: UInt64 = 0
        for byte in text {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            result = result << 4 | UInt64(digit)
        }
        return result
    }
}
