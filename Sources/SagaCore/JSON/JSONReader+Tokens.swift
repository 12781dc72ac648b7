// MARK: - Strings and numbers

extension JSONReader {
    /// A number as scanned: its extent, and its value when it is an integer of at most 64 bits.
    struct NumberToken {
        var start: Int
        var negative = false
        var magnitude: UInt64 = 0
        /// No fraction and no exponent.
        var isInteger = true
        /// The digits do not fit 64 bits.
        var overflow = false
    }

    /// Scans a number per the JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func scanNumber() throws(JSONReadError) -> NumberToken {
        var number = NumberToken(start: position)
        if bytes[position] == UInt8(ascii: "-") {
            number.negative = true
            position += 1
        }
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw .syntax("a number needs a digit", at: position) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < bytes.count, Self.isDigit(bytes[position]) {
                let digit = UInt64(bytes[position] &- UInt8(ascii: "0"))
                let (times10, overflow1) = number.magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(digit)
                if overflow1 || overflow2 { number.overflow = true }
                number.magnitude = sum
                position += 1
            }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            number.isInteger = false
            position += 1
            try scanDigits("a fraction needs a digit")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            number.isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            try scanDigits("an exponent needs a digit")
        }
        return number
    }

    private mutating func scanDigits(_ problem: String) throws(JSONReadError) {
        guard position < bytes.count, Self.isDigit(bytes[position]) else { throw .syntax(problem, at: position) }
        while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
    }

    /// The number just scanned as the nearest `Double`; a number too large for one is an error.
    func doubleValue(_ number: NumberToken) throws(JSONReadError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[number.start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw .syntax("the number \(text) is out of range", at: number.start) }
        return value
    }

    /// Reads a string at its opening quote.
    mutating func readStringToken() throws(JSONReadError) -> String {
        let quote = position
        position += 1
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return try Self.makeString(content, startingAt: start)
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(from: start) }
            if byte < 0x20 { throw .syntax("unescaped control character in a string", at: position) }
            position += 1
        }
        throw .syntax("unterminated string", at: quote)
    }

    /// Reads an object key at its opening quote, without making a string of it when it has no escapes.
    mutating func readKeyToken() throws(JSONReadError) -> JSONKey {
        let start = position + 1
        var index = start
        var bits: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if bits >= 0x80 && !Self.isValidUTF8(raw) { throw .syntax("invalid UTF-8 in the string", at: start) }
                position = index + 1
                return JSONKey(raw: raw)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            bits |= byte
            index += 1
        }
        // Escapes, a control character or no end: the full reader decodes it or says what is wrong.
        return JSONKey(decoded: try readStringToken())
    }

    /// The rest of a string that has an escape at `position`: decodes into a buffer.
    private mutating func readEscapedString(from start: Int) throws(JSONReadError) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(position - start + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return try buffer.withUnsafeBufferPointer { (decoded) throws(JSONReadError) -> String in
                    try Self.makeString(decoded, startingAt: start)
                }
            case UInt8(ascii: "\\"):
                try readEscape(into: &buffer)
            case 0..<0x20:
                throw .syntax("unescaped control character in a string", at: position)
            default:
                buffer.append(byte)
                position += 1
            }
        }
        throw .syntax("unterminated string", at: start - 1)
    }

    private mutating func readEscape(into buffer: inout [UInt8]) throws(JSONReadError) {
        let escape = position
        position += 1
        guard position < bytes.count else { throw .syntax("unterminated string", at: escape) }
        let letter = bytes[position]
        position += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(letter)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4(escape))
            if scalar >= 0xD800 && scalar < 0xDC00 {
                // A high surrogate must be followed by an escaped low one: together they are one scalar.
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw .syntax("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))", at: escape)
                }
                position += 2
                let low = UInt32(try readHex4(escape))
                guard low >= 0xDC00 && low < 0xE000 else { throw .syntax("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))", at: escape) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                throw .syntax("unpaired surrogate \\u\(String(scalar, radix: 16, uppercase: true))", at: escape)
            }
            // Not a surrogate, so always a valid scalar.
            buffer.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
        default:
            throw .syntax("invalid escape \\\(Character(Unicode.Scalar(letter)))", at: escape)
        }
    }

    private mutating func readHex4(_ escape: Int) throws(JSONReadError) -> UInt16 {
        guard bytes.count - position >= 4 else { throw .syntax("\\u needs four hex digits", at: escape) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .syntax("\\u needs four hex digits", at: escape)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// A string from its UTF-8 bytes, which must be valid: no repair, as a strict reader rejects what is not UTF-8.
    ///
    /// (`String(validating:as:)` would do, but it is not specialized for buffers and costs more than the rest of
    /// reading a small string.)
    private static func makeString(_ utf8: UnsafeBufferPointer<UInt8>, startingAt start: Int) throws(JSONReadError) -> String {
        var bits: UInt8 = 0
        for byte in utf8 { bits |= byte }
        if bits >= 0x80 && !isValidUTF8(utf8) { throw .syntax("invalid UTF-8 in the string", at: start) }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Whether `bytes` are well-formed UTF-8 (Unicode table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF).
    static func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        func continuation(_ offset: Int) -> Bool { bytes[index + offset] & 0xC0 == 0x80 }
        while index < count {
            let lead = bytes[index]
            switch lead {
            case 0x00..<0x80:
                index += 1
            case 0xC2..<0xE0:
                guard index + 1 < count, continuation(1) else { return false }
                index += 2
            case 0xE0..<0xF0:
                guard index + 2 < count, continuation(1), continuation(2) else { return false }
                let second = bytes[index + 1]
                if lead == 0xE0 && second < 0xA0 || lead == 0xED && second > 0x9F { return false }
                index += 3
            case 0xF0..<0xF5:
                guard index + 3 < count, continuation(1), continuation(2), continuation(3) else { return false }
                let second = bytes[index + 1]
                if lead == 0xF0 && second < 0x90 || lead == 0xF4 && second > 0x8F { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }
}
