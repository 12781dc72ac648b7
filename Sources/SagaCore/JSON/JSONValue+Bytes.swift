extension JSONValue {
    /// Parses one JSON document (RFC 8259), strictly.
    ///
    /// A number is ``int(_:)`` when its value is integral and fits 64 bits, whatever its spelling (`2`, `2.0`,
    /// `2e0`), as Foundation reads it; any other number is ``double(_:)``. Objects with a repeated key keep the
    /// last value.
    /// - Parameter bytes: the document, in UTF-8.
    /// - Throws: ``SagaCoreError/invalidJSON(_:file:line:)`` with the problem and its byte offset, when the
    ///   bytes are not one JSON document: trailing characters, invalid UTF-8, an unpaired surrogate escape,
    ///   a number too large for a `Double`, or arrays and objects nested more than 128 deep.
    public init(parsing bytes: some Collection<UInt8>) throws(SagaCoreError) {
        let result = JSONReader.withBuffer(bytes) { buffer in
            Result { () throws(JSONReadError) -> JSONValue in try JSONReader.value(of: buffer) }
        }
        switch result {
        case .success(let value): self = value
        case .failure(let error): throw .invalidJSON(error.reason)
        }
    }

    /// The value as compact JSON with keys sorted by their UTF-8 bytes, as `JSONEncoder` with `.sortedKeys`
    /// and `.withoutEscapingSlashes` writes it (a ``double(_:)`` with an integral value is written without `.0`).
    ///
    /// Nil when the value holds a non-finite number, or nests more than 511 deep, which `JSONEncoder` refuses too.
    public var jsonBytes: [UInt8]? {
        var writer = JSONWriter(capacity: 64)
        writer.value(self)
        return writer.failure == nil ? writer.bytes : nil
    }
}
