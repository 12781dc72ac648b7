/// Reads one JSON document (RFC 8259) from bytes, value by value, without building a tree for the fields
/// it is asked to read.
///
/// Strict: no trailing characters after the document (``finish()``), no comments or trailing commas,
/// strings must be valid UTF-8 with no raw control characters and no unpaired surrogate escapes, and
/// containers nest at most ``maximumDepth`` deep. The buffer must outlive the reader: use ``withBuffer(_:_:)``.
struct JSONReader {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 128

    let bytes: UnsafeBufferPointer<UInt8>
    /// The offset of the next byte to read.
    var position = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Runs `body` over `bytes` as one contiguous buffer, copying them only when they are not contiguous.
    static func withBuffer<Value>(_ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Value) -> Value {
        if let value = bytes.withContiguousStorageIfAvailable(body) { return value }
        return Array(bytes).withUnsafeBufferPointer(body)
    }

    /// Reads a whole document as a ``JSONValue``.
    static func value(of buffer: UnsafeBufferPointer<UInt8>) throws(JSONReadError) -> JSONValue {
        var reader = JSONReader(buffer)
        let value = try reader.readValue()
        try reader.finish()
        return value
    }

    /// Checks that only whitespace follows the document.
    mutating func finish() throws(JSONReadError) {
        skipWhitespace()
        if position < bytes.count { throw .syntax("unexpected \(describe(bytes[position])) after the document", at: position) }
    }

    // MARK: - Objects

    /// Where a loop over the keys of an object is.
    struct ObjectCursor {
        fileprivate var first = true
    }

    /// Starts reading an object; the empty field name stands for the whole document.
    mutating func beginObject(_ field: @autoclosure () -> String) throws(JSONReadError) -> ObjectCursor {
        let byte = try peek()
        guard byte == UInt8(ascii: "{") else {
            if byte == UInt8(ascii: "n") && !field().isEmpty {
                try readLiteral("null")
                throw .null(field(), expected: "an object")
            }
            throw try wrongType(field(), expected: "an object")
        }
        try enter()
        position += 1
        return ObjectCursor()
    }

    /// The next key of the object, positioned before its value; nil after the closing brace.
    mutating func nextKey(_ cursor: inout ObjectCursor) throws(JSONReadError) -> JSONKey? {
        var byte = try peek()
        if byte == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return nil
        }
        if !cursor.first {
            guard byte == UInt8(ascii: ",") else { throw .syntax("expected ',' or '}' in an object, found \(describe(byte))", at: position) }
            position += 1
            byte = try peek()
        }
        cursor.first = false
        guard byte == UInt8(ascii: "\"") else { throw .syntax("expected a string key, found \(describe(byte))", at: position) }
        let key = try readKeyToken()
        guard try peek() == UInt8(ascii: ":") else { throw .syntax("expected ':' after an object key, found \(describe(bytes[position]))", at: position) }
        position += 1
        return key
    }

    // MARK: - Arrays

    /// Where a loop over the elements of an array is.
    struct ArrayCursor {
        fileprivate var first = true
    }

    /// Starts reading an array.
    mutating func beginArray(_ field: @autoclosure () -> String) throws(JSONReadError) -> ArrayCursor {
        let byte = try peek()
        guard byte == UInt8(ascii: "[") else {
            if byte == UInt8(ascii: "n") && !field().isEmpty {
                try readLiteral("null")
                throw .null(field(), expected: "an array")
            }
            throw try wrongType(field(), expected: "an array")
        }
        try enter()
        position += 1
        return ArrayCursor()
    }

    /// Whether another element follows, positioned before it; false after the closing bracket.
    mutating func nextElement(_ cursor: inout ArrayCursor) throws(JSONReadError) -> Bool {
        let byte = try peek()
        if byte == UInt8(ascii: "]") && cursor.first {
            position += 1
            depth -= 1
            return false
        }
        if !cursor.first {
            position += 1
            if byte == UInt8(ascii: "]") {
                depth -= 1
                return false
            }
            guard byte == UInt8(ascii: ",") else { throw .syntax("expected ',' or ']' in an array, found \(describe(byte))", at: position - 1) }
        }
        cursor.first = false
        return true
    }

    // MARK: - Objects of any values

    /// An object of any values, for example `dependencyOutputs`.
    mutating func readObject(_ field: @autoclosure () -> String) throws(JSONReadError) -> [String: JSONValue] {
        var cursor = try beginObject(field())
        var members: [String: JSONValue] = [:]
        while let key = try nextKey(&cursor) {
            members[key.string] = try readValue()
        }
        return members
    }

    // MARK: - Typed fields

    mutating func readString(_ field: @autoclosure () -> String) throws(JSONReadError) -> String {
        let byte = try peek()
        guard byte == UInt8(ascii: "\"") else { throw try mismatch(field(), expected: "String") }
        return try readStringToken()
    }

    /// A string, or nil for `null` (an optional field that is present but empty, as `Codable` reads it).
    mutating func readOptionalString(_ field: @autoclosure () -> String) throws(JSONReadError) -> String? {
        if try readNullIfPresent() { return nil }
        return try readString(field())
    }

    mutating func readBool(_ field: @autoclosure () -> String) throws(JSONReadError) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return true
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return false
        default:
            throw try mismatch(field(), expected: "Bool")
        }
    }

    mutating func readOptionalBool(_ field: @autoclosure () -> String) throws(JSONReadError) -> Bool? {
        if try readNullIfPresent() { return nil }
        return try readBool(field())
    }

    /// An integer that fits `Integer`; a number with a fraction or an exponent is accepted when its value is integral.
    mutating func readInteger<Integer: FixedWidthInteger>(_ type: Integer.Type, _ field: @autoclosure () -> String) throws(JSONReadError) -> Integer {
        let byte = try peek()
        guard byte == UInt8(ascii: "-") || Self.isDigit(byte) else { throw try mismatch(field(), expected: "\(Integer.self)") }
        let number = try scanNumber()
        if number.isInteger && !number.overflow {
            if !number.negative {
                if let value = Integer(exactly: number.magnitude) { return value }
            } else if number.magnitude <= UInt64(Int64.max) + 1 {
                let value = number.magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(number.magnitude)
                if let value = Integer(exactly: value) { return value }
            }
        } else if let value = try Integer(exactly: doubleValue(number)) {
            return value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[number.start..<position]), as: UTF8.self)
        throw .invalid(field(), "\(text) is not an integer that fits \(Integer.self)")
    }

    mutating func readOptionalInteger<Integer: FixedWidthInteger>(_ type: Integer.Type, _ field: @autoclosure () -> String) throws(JSONReadError) -> Integer? {
        if try readNullIfPresent() { return nil }
        return try readInteger(type, field())
    }

    /// A string that must be the raw value of `Value`.
    mutating func readEnum<Value: RawRepresentable<String>>(_ type: Value.Type, _ field: @autoclosure () -> String) throws(JSONReadError) -> Value {
        let text = try readString(field())
        guard let value = Value(rawValue: text) else { throw .invalid(field(), "'\(text)' is not a valid \(Value.self)") }
        return value
    }

    mutating func readOptionalEnum<Value: RawRepresentable<String>>(_ type: Value.Type, _ field: @autoclosure () -> String) throws(JSONReadError) -> Value? {
        if try readNullIfPresent() { return nil }
        return try readEnum(type, field())
    }

    /// Any value, or nil for `null` (as `Codable` reads an optional field).
    mutating func readOptionalValue() throws(JSONReadError) -> JSONValue? {
        if try readNullIfPresent() { return nil }
        return try readValue()
    }

    /// Reads and drops a value (checking it all the same).
    mutating func skipValue() throws(JSONReadError) {
        _ = try readValue()
    }

    // MARK: - Any value

    mutating func readValue() throws(JSONReadError) -> JSONValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try readStringToken())
        case UInt8(ascii: "{"):
            return .object(try readObject(""))
        case UInt8(ascii: "["):
            var cursor = try beginArray("")
            var elements: [JSONValue] = []
            while try nextElement(&cursor) {
                elements.append(try readValue())
            }
            return .array(elements)
        case UInt8(ascii: "t"):
            try readLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try readLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try readLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let number = try scanNumber()
            if number.isInteger && !number.overflow {
                if !number.negative && number.magnitude <= UInt64(Int64.max) { return .int(Int64(number.magnitude)) }
                if number.negative && number.magnitude <= UInt64(Int64.max) + 1 {
                    return .int(number.magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(number.magnitude))
                }
            }
            let value = try doubleValue(number)
            // An integral number that fits is an int, whatever its spelling (`1.0`, `1e3`), as Foundation reads it.
            if let integer = Int64(exactly: value) { return .int(integer) }
            return .double(value)
        default:
            throw .syntax("unexpected \(describe(byte))", at: position)
        }
    }

    // MARK: - Tokens

    /// The next byte after whitespace, not consumed.
    mutating func peek() throws(JSONReadError) -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw .syntax("unexpected end of the document", at: position) }
        return bytes[position]
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func readNullIfPresent() throws(JSONReadError) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try readLiteral("null")
        return true
    }

    private mutating func readLiteral(_ literal: StaticString) throws(JSONReadError) {
        let count = literal.utf8CodeUnitCount
        let start = position
        guard bytes.count - position >= count else { throw .syntax("invalid literal", at: start) }
        for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] {
            throw .syntax("invalid literal", at: start)
        }
        position += count
    }

    private mutating func enter() throws(JSONReadError) {
        depth += 1
        if depth > Self.maximumDepth { throw .syntax("arrays and objects nested deeper than \(Self.maximumDepth)", at: position) }
    }

    /// The error for a value of another type than `expected` at the current position (or a syntax error if it is no value).
    private mutating func mismatch(_ field: String, expected: String) throws(JSONReadError) -> JSONReadError {
        let byte = try peek()
        if byte == UInt8(ascii: "n") {
            try readLiteral("null")
            return .null(field, expected: expected)
        }
        return try wrongType(field, expected: expected)
    }

    private func wrongType(_ field: String, expected: String) throws(JSONReadError) -> JSONReadError {
        let byte = bytes[position]
        let found: String
        switch byte {
        case UInt8(ascii: "\""): found = "a string"
        case UInt8(ascii: "{"): found = "an object"
        case UInt8(ascii: "["): found = "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            // `nope` is not null: only a whole literal names a JSON type.
            var probe = self
            let literal: StaticString = byte == UInt8(ascii: "t") ? "true" : byte == UInt8(ascii: "f") ? "false" : "null"
            try probe.readLiteral(literal)
            found = byte == UInt8(ascii: "n") ? "null" : "a boolean"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): found = "a number"
        default: throw .syntax("unexpected \(describe(byte))", at: position)
        }
        return .wrongType(field, expected: expected, found: found)
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
