/// A message with a hand-written JSON form, which ``SagaMessageCodec`` uses instead of `Codable`.
///
/// Both directions must match the `Codable` conformance: the same bytes as `JSONEncoder` with
/// `.sortedKeys` and `.withoutEscapingSlashes` (keys written in UTF-8 order), and the same fields required.
protocol JSONCodableMessage: SagaMessage {
    /// Writes the message as one JSON object.
    func writeJSON(to writer: inout JSONWriter)
    /// Reads the message from one JSON object (unknown fields are skipped); ``validationProblem()`` is not checked here.
    init(reading reader: inout JSONReader) throws(JSONReadError)
    /// Reads and validates a whole document: `SagaMessageCodec.decodeByHand(Self.self, from: buffer)`, written in
    /// each type so that it is specialized (through a generic path every call would look up type metadata).
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError>
}

extension JSONCodableMessage {
    /// The message as JSON.
    /// - Throws: ``SagaCoreError/unencodable(_:file:line:)`` when it holds something JSON cannot carry.
    func jsonBytes() throws(SagaCoreError) -> [UInt8] {
        var writer = JSONWriter()
        writeJSON(to: &writer)
        return try writer.result()
    }
}
