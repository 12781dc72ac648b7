/// Why a JSON document could not be read: its syntax, or a field that is missing, of the wrong type or invalid.
///
/// ``reason`` is phrased for a dead letter, for example `missing field 'replyTo.topic'` or
/// `not valid JSON: expected ':' after an object key at byte 17`.
struct JSONReadError: Error, Hashable, Sendable {
    /// The reason, for people.
    var reason: String

    /// The document is not JSON.
    static func syntax(_ problem: String, at offset: Int) -> JSONReadError {
        JSONReadError(reason: "not valid JSON: \(problem) at byte \(offset)")
    }

    /// A required field is absent.
    static func missing(_ field: String) -> JSONReadError {
        JSONReadError(reason: "missing field '\(field)'")
    }

    /// A field holds a value of another JSON type.
    static func wrongType(_ field: String, expected: String, found: String) -> JSONReadError {
        if field.isEmpty { return JSONReadError(reason: "the document is not a JSON object (found \(found))") }
        return JSONReadError(reason: "field '\(field)' has the wrong type (expected \(expected), found \(found))")
    }

    /// A required field is `null`.
    static func null(_ field: String, expected: String) -> JSONReadError {
        JSONReadError(reason: "field '\(field)' is null (expected \(expected))")
    }

    /// A field has the right type but a value that is not allowed.
    static func invalid(_ field: String, _ problem: String) -> JSONReadError {
        JSONReadError(reason: "field '\(field)' is invalid: \(problem)")
    }
}

/// The value of a required field that was read, or the reason it is missing.
@inline(__always)
func required<Value>(_ value: Value?, _ field: @autoclosure () -> String) throws(JSONReadError) -> Value {
    guard let value else { throw .missing(field()) }
    return value
}
