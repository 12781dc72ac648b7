/// A message with a hand-written JSON form, which ``SagaMessageCodec`` uses instead of `Codable`.
///
/// Both directions must match the `Codable` conformance: the same bytes as `JSONEncoder` with
/// `.sortedKeys` and `.withoutEscapingSlashes` (keys written in UTF-8 order), and the same fields required.
protocol JSONCodableMessage: SagaMessage {
    /// Writes the message as one JSON object.
    func writeJSON(to writer: inout JSONWriter)
    /// Reads the message from one JSON object (unknown fields are skipped); ``validationProblem()`` is not checked here.
    init(reading reader: inout JSONReader) throws(JSONReadError)
}

extension JSONCodableMessage {
    /// The message as JSON, or no bytes when it holds something JSON cannot carry (a non-finite number).
    func jsonBytes() -> [UInt8] {
        var writer = JSONWriter()
        writeJSON(to: &writer)
        return writer.result
    }

    /// Reads the message from a whole document.
    static func read(from bytes: some Collection<UInt8>) throws(JSONReadError) -> Self {
        try JSONReader.read(bytes) { (reader) throws(JSONReadError) -> Self in
            let message = try Self(reading: &reader)
            try reader.finish()
            return message
        }
    }
}
