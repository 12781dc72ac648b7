extension ProgressEvent: JSONCodableMessage {
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError> {
        SagaMessageCodec.decodeByHand(Self.self, from: buffer)
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempt", attempt)
        writer.field("event", event.rawValue)
        writer.field("messageType", messageType)
        writer.field("paused", paused)
        writer.field("phase", phase?.rawValue)
        writer.field("reason", reason)
        writer.field("retryAt", retryAt?.milliseconds)
        writer.field("sagaId", sagaId)
        writer.field("sagaType", sagaType)
        writer.field("sagaVersion", sagaVersion)
        writer.field("schemaVersion", schemaVersion)
        writer.field("sequence", sequence)
        writer.field("state", state.rawValue)
        writer.field("step", step)
        writer.field("time", time.milliseconds)
        writer.field("traceId", traceId)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var messageType: String?, schemaVersion: Int?, sagaId: String?, sagaType: String?, sagaVersion: Int?
        var sequence: Int64?, event: String?, phase: SagaPhase?, step: String?, attempt: Int?, state: SagaStatus?
        var paused: Bool?, time: Int64?, reason: String?, retryAt: Int64?, traceId: String?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "messageType": messageType = try reader.readString("messageType")
            case "schemaVersion": schemaVersion = try reader.readInteger(Int.self, "schemaVersion")
            case "sagaId": sagaId = try reader.readString("sagaId")
            case "sagaType": sagaType = try reader.readString("sagaType")
            case "sagaVersion": sagaVersion = try reader.readInteger(Int.self, "sagaVersion")
            case "sequence": sequence = try reader.readInteger(Int64.self, "sequence")
            case "event": event = try reader.readString("event")
            case "phase": phase = try reader.readOptionalEnum(SagaPhase.self, "phase")
            case "step": step = try reader.readOptionalString("step")
            case "attempt": attempt = try reader.readOptionalInteger(Int.self, "attempt")
            case "state": state = try reader.readEnum(SagaStatus.self, "state")
            case "paused": paused = try reader.readBool("paused")
            case "time": time = try reader.readInteger(Int64.self, "time")
            case "reason": reason = try reader.readOptionalString("reason")
            case "retryAt": retryAt = try reader.readOptionalInteger(Int64.self, "retryAt")
            case "traceId": traceId = try reader.readOptionalString("traceId")
            default: try reader.skipValue()
            }
        }
        let envelope = (try required(messageType, "messageType"), try required(schemaVersion, "schemaVersion"))
        self.init(
            sagaId: try required(sagaId, "sagaId"), sagaType: try required(sagaType, "sagaType"),
            sagaVersion: try required(sagaVersion, "sagaVersion"), sequence: try required(sequence, "sequence"),
            event: Kind(rawValue: try required(event, "event")), phase: phase, step: step, attempt: attempt,
            state: try required(state, "state"), paused: try required(paused, "paused"),
            time: SagaTime(milliseconds: try required(time, "time")), reason: reason,
            retryAt: retryAt.map(SagaTime.init(milliseconds:)), traceId: traceId
        )
        (self.messageType, self.schemaVersion) = envelope
    }
}
