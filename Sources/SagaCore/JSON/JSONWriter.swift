/// Appends compact JSON to a byte array, the way Foundation's `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes it, so the hand-written encoders produce the same bytes.
///
/// Objects of known fields are written with ``beginObject()``, ``key(_:)`` and ``endObject()``: the caller
/// writes the keys in sorted (UTF-8) order. ``JSONValue`` objects are sorted here.
struct JSONWriter {
    /// Foundation refuses to nest containers this deep; so do we, to produce the same (empty) result.
    static let maximumDepth = 512

    /// The JSON written so far.
    private(set) var bytes: [UInt8]
    /// Why something could not be written (a non-finite number, too deep a nesting): the bytes are then unusable.
    private(set) var failure: String?
    private var needsComma = false
    private var depth = 0

    init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The JSON written.
    /// - Throws: ``SagaCoreError/unencodable(_:file:line:)`` when something could not be written (Foundation
    ///   refuses the same values).
    func result() throws(SagaCoreError) -> [UInt8] {
        if let failure { throw .unencodable(failure) }
        return bytes
    }

    // MARK: - Objects of known fields

    mutating func beginObject() {
        enter()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        depth -= 1
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Starts an array of elements written with ``arrayElement()`` before each.
    mutating func beginArray() {
        enter()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Separates the element about to be written from the previous one.
    mutating func arrayElement() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    mutating func endArray() {
        depth -= 1
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":`, preceded by a comma unless it is the first key of the object. `name` needs no escaping.
    mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        integer(value)
    }

    mutating func field(_ name: StaticString, _ value: Int64?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: StaticString, _ value: Int) {
        field(name, Int64(value))
    }

    mutating func field(_ name: StaticString, _ value: Int?) {
        if let value { field(name, Int64(value)) }
    }

    mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        boolean(value)
    }

    /// Writes nothing for `nil`, as `JSONEncoder` leaves out absent optionals.
    mutating func field(_ name: StaticString, _ value: Bool?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: StaticString, _ value: JSONValue) {
        key(name)
        self.value(value)
    }

    mutating func field(_ name: StaticString, _ value: JSONValue?) {
        if let value { field(name, value) }
    }

    // MARK: - Values

    mutating func null() {
        append("null")
    }

    mutating func boolean(_ value: Bool) {
        value ? append("true") : append("false")
    }

    mutating func integer(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        unsigned(value.magnitude)
    }

    mutating func unsigned(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits = 0
        var rest = value
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: digits))
        rest = value
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = start + digits - 1
            while rest > 0 {
                buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                index -= 1
            }
        }
    }

    /// The shortest text that reads back as the same `Double`, without a trailing `.0` (as Foundation writes it).
    mutating func double(_ value: Double) {
        guard value.isFinite else {
            failure = failure ?? "a non-finite number (\(value)) cannot be written as JSON"
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A string, escaped per RFC 8259: `"` and `\`, the control characters (short forms where JSON has them),
    /// everything else (including `/`, DEL and non-ASCII) as is.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = value
        text.withUTF8 { utf8 in
            var mark = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                if index > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
                escape(byte)
                index += 1
                mark = index
            }
            if index > mark { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[mark..<index])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            append("u00")
            bytes.append(Self.hexDigit(byte >> 4))
            bytes.append(Self.hexDigit(byte & 0x0F))
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") &+ value : UInt8(ascii: "a") &+ value &- 10
    }

    mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): boolean(flag)
        case .int(let number): integer(number)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let elements): array(elements)
        case .object(let members): object(members)
        }
    }

    mutating func array(_ elements: [JSONValue]) {
        enter()
        bytes.append(UInt8(ascii: "["))
        for index in elements.indices {
            if index > elements.startIndex { bytes.append(UInt8(ascii: ",")) }
            value(elements[index])
        }
        bytes.append(UInt8(ascii: "]"))
        depth -= 1
    }

    /// An object with its keys sorted by their UTF-8 bytes (what Foundation's `.sortedKeys` does on Linux).
    mutating func object(_ members: [String: JSONValue]) {
        enter()
        bytes.append(UInt8(ascii: "{"))
        if members.count == 1, let (key, member) = members.first {
            string(key)
            bytes.append(UInt8(ascii: ":"))
            value(member)
        } else if !members.isEmpty {
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for index in sorted.indices {
                if index > sorted.startIndex { bytes.append(UInt8(ascii: ",")) }
                string(sorted[index].key)
                bytes.append(UInt8(ascii: ":"))
                value(sorted[index].value)
            }
        }
        bytes.append(UInt8(ascii: "}"))
        depth -= 1
    }

    private mutating func enter() {
        depth += 1
        if depth >= Self.maximumDepth { failure = failure ?? "arrays and objects nested \(Self.maximumDepth) or more deep cannot be written" }
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
