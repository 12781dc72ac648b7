extension ControlCommand: JSONCodableMessage {
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError> {
        SagaMessageCodec.decodeByHand(Self.self, from: buffer)
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("action", action.rawValue)
        writer.field("messageType", messageType)
        writer.field("reason", reason)
        writer.field("requestedBy", requestedBy)
        writer.field("sagaId", sagaId)
        writer.field("schemaVersion", schemaVersion)
        writer.field("step", step)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var messageType: String?, schemaVersion: Int?, sagaId: String?, action: Action?
        var step: String?, reason: String?, requestedBy: String?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "messageType": messageType = try reader.readString("messageType")
            case "schemaVersion": schemaVersion = try reader.readInteger(Int.self, "schemaVersion")
            case "sagaId": sagaId = try reader.readString("sagaId")
            case "action": action = try reader.readEnum(Action.self, "action")
            case "step": step = try reader.readOptionalString("step")
            case "reason": reason = try reader.readOptionalString("reason")
            case "requestedBy": requestedBy = try reader.readOptionalString("requestedBy")
            default: try reader.skipValue()
            }
        }
        let envelope = (try required(messageType, "messageType"), try required(schemaVersion, "schemaVersion"))
        self.init(sagaId: try required(sagaId, "sagaId"), action: try required(action, "action"), step: step, reason: reason, requestedBy: requestedBy)
        (self.messageType, self.schemaVersion) = envelope
    }
}
