extension StartSagaCommand: JSONCodableMessage {
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError> {
        SagaMessageCodec.decodeByHand(Self.self, from: buffer)
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("businessKey", businessKey)
        writer.field("messageType", messageType)
        writer.field("onConflict", onConflict?.rawValue)
        writer.field("payload", payload)
        writer.field("sagaId", sagaId)
        writer.field("sagaType", sagaType)
        writer.field("sagaVersion", sagaVersion)
        writer.field("schemaVersion", schemaVersion)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var messageType: String?, schemaVersion: Int?, sagaType: String?, sagaVersion: Int?, sagaId: String?
        var businessKey: String?, payload: JSONValue?, onConflict: ConflictPolicy?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "messageType": messageType = try reader.readString("messageType")
            case "schemaVersion": schemaVersion = try reader.readInteger(Int.self, "schemaVersion")
            case "sagaType": sagaType = try reader.readString("sagaType")
            case "sagaVersion": sagaVersion = try reader.readOptionalInteger(Int.self, "sagaVersion")
            case "sagaId": sagaId = try reader.readOptionalString("sagaId")
            case "businessKey": businessKey = try reader.readOptionalString("businessKey")
            case "payload": payload = try reader.readValue()
            case "onConflict": onConflict = try reader.readOptionalEnum(ConflictPolicy.self, "onConflict")
            default: try reader.skipValue()
            }
        }
        let envelope = (try required(messageType, "messageType"), try required(schemaVersion, "schemaVersion"))
        self.init(
            sagaType: try required(sagaType, "sagaType"), sagaVersion: sagaVersion, sagaId: sagaId, businessKey: businessKey,
            payload: try required(payload, "payload"), onConflict: onConflict
        )
        (self.messageType, self.schemaVersion) = envelope
    }
}
