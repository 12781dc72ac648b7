extension ParticipantReply: JSONCodableMessage {
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError> {
        SagaMessageCodec.decodeByHand(Self.self, from: buffer)
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempt", attempt)
        writer.field("messageType", messageType)
        writer.field("outcome", outcome.rawValue)
        writer.field("output", output)
        writer.field("phase", phase.rawValue)
        writer.field("reason", reason)
        writer.field("sagaId", sagaId)
        writer.field("schemaVersion", schemaVersion)
        writer.field("step", step)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var messageType: String?, schemaVersion: Int?, sagaId: String?, step: String?, phase: SagaPhase?
        var attempt: Int?, outcome: ReplyOutcome?, reason: String?, output: JSONValue?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "messageType": messageType = try reader.readString("messageType")
            case "schemaVersion": schemaVersion = try reader.readInteger(Int.self, "schemaVersion")
            case "sagaId": sagaId = try reader.readString("sagaId")
            case "step": step = try reader.readString("step")
            case "phase": phase = try reader.readEnum(SagaPhase.self, "phase")
            case "attempt": attempt = try reader.readInteger(Int.self, "attempt")
            case "outcome": outcome = try reader.readEnum(ReplyOutcome.self, "outcome")
            case "reason": reason = try reader.readOptionalString("reason")
            case "output": output = try reader.readOptionalValue()
            default: try reader.skipValue()
            }
        }
        let envelope = (try required(messageType, "messageType"), try required(schemaVersion, "schemaVersion"))
        self.init(
            sagaId: try required(sagaId, "sagaId"), step: try required(step, "step"), phase: try required(phase, "phase"),
            attempt: try required(attempt, "attempt"), outcome: try required(outcome, "outcome"), reason: reason, output: output
        )
        (self.messageType, self.schemaVersion) = envelope
    }
}
