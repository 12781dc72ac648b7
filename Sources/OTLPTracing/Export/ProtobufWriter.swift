/// Writes protocol buffers' wire format: the few field kinds OTLP's trace messages use.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    private enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
    }

    private mutating func tag(_ field: UInt64, _ type: WireType) {
        varint(field << 3 | type.rawValue)
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// An `int64`, `uint32` or enum field; zero is the default and is not written, unless
    /// `always` (a oneof's member, whose presence is its choice).
    mutating func varint(_ field: UInt64, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        tag(field, .varint)
        varint(value)
    }

    /// A `bool` field; `false` is the default and is not written, unless `always`.
    mutating func bool(_ field: UInt64, _ value: Bool, always: Bool = false) {
        varint(field, value ? 1 : 0, always: always)
    }

    /// A `fixed64` field (always written: OTLP's times).
    mutating func fixed64(_ field: UInt64, _ value: UInt64) {
        tag(field, .fixed64)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `double` field.
    mutating func double(_ field: UInt64, _ value: Double) {
        fixed64(field, value.bitPattern)
    }

    /// A `string` field; the empty string is the default and is not written, unless `always`.
    mutating func string(_ field: UInt64, _ value: String, always: Bool = false) {
        guard !value.isEmpty || always else { return }
        var value = value
        value.withUTF8 { utf8 in
            tag(field, .lengthDelimited)
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// A `bytes` field holding big-endian words (OTLP's trace and span ids).
    mutating func bigEndian(_ field: UInt64, _ words: UInt64...) {
        tag(field, .lengthDelimited)
        varint(UInt64(words.count * 8))
        for word in words {
            withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// An embedded message field, written by `body` (always written, even when empty: a oneof's
    /// choice of an empty value still counts).
    ///
    /// Written in place, with no buffer of its own: one byte is kept for the length, and a message
    /// of 128 bytes or more (a span, a batch) moves its bytes along once to make room for more.
    mutating func message(_ field: UInt64, _ body: (inout ProtobufWriter) -> Void) {
        tag(field, .lengthDelimited)
        let lengthIndex = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthIndex - 1
        if length < 0x80 {
            bytes[lengthIndex] = UInt8(length)
            return
        }
        var size = 1
        while UInt64(length) >> UInt64(7 * size) != 0 { size += 1 }
        bytes.insert(contentsOf: repeatElement(0, count: size - 1), at: lengthIndex + 1)
        var value = UInt64(length)
        for index in lengthIndex..<(lengthIndex + size) {
            bytes[index] = UInt8(truncatingIfNeeded: value) | (index < lengthIndex + size - 1 ? 0x80 : 0)
            value >>= 7
        }
    }
}
