extension ParticipantCommand: JSONCodableMessage {
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError> {
        SagaMessageCodec.decodeByHand(Self.self, from: buffer)
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempt", attempt)
        writer.field("deadline", deadline.milliseconds)
        writer.key("dependencyOutputs")
        writer.object(dependencyOutputs)
        writer.field("idempotencyKey", idempotencyKey)
        writer.field("messageType", messageType)
        writer.field("payload", payload)
        writer.field("phase", phase.rawValue)
        writer.key("replyTo")
        writer.beginObject()
        writer.field("partition", Int64(replyTo.partition))
        writer.field("topic", replyTo.topic)
        writer.endObject()
        writer.field("sagaId", sagaId)
        writer.field("sagaType", sagaType)
        writer.field("sagaVersion", sagaVersion)
        writer.field("schemaVersion", schemaVersion)
        writer.field("step", step)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var messageType: String?, schemaVersion: Int?, sagaId: String?, sagaType: String?, sagaVersion: Int?
        var step: String?, phase: SagaPhase?, attempt: Int?, idempotencyKey: String?, replyTo: ReplyTo?
        var payload: JSONValue?, dependencyOutputs: [String: JSONValue]?, deadline: Int64?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "messageType": messageType = try reader.readString("messageType")
            case "schemaVersion": schemaVersion = try reader.readInteger(Int.self, "schemaVersion")
            case "sagaId": sagaId = try reader.readString("sagaId")
            case "sagaType": sagaType = try reader.readString("sagaType")
            case "sagaVersion": sagaVersion = try reader.readInteger(Int.self, "sagaVersion")
            case "step": step = try reader.readString("step")
            case "phase": phase = try reader.readEnum(SagaPhase.self, "phase")
            case "attempt": attempt = try reader.readInteger(Int.self, "attempt")
            case "idempotencyKey": idempotencyKey = try reader.readString("idempotencyKey")
            case "replyTo": replyTo = try ReplyTo(reading: &reader)
            case "payload": payload = try reader.readValue()
            case "dependencyOutputs": dependencyOutputs = try reader.readObject("dependencyOutputs")
            case "deadline": deadline = try reader.readInteger(Int64.self, "deadline")
            default: try reader.skipValue()
            }
        }
        // Missing fields are reported in the order the Codable conformance reads them.
        let envelope = (try required(messageType, "messageType"), try required(schemaVersion, "schemaVersion"))
        self.init(
            sagaId: try required(sagaId, "sagaId"), sagaType: try required(sagaType, "sagaType"),
            sagaVersion: try required(sagaVersion, "sagaVersion"), step: try required(step, "step"),
            phase: try required(phase, "phase"), attempt: try required(attempt, "attempt"),
            replyTo: try required(replyTo, "replyTo"), payload: try required(payload, "payload"),
            dependencyOutputs: try required(dependencyOutputs, "dependencyOutputs"),
            deadline: SagaTime(milliseconds: try required(deadline, "deadline"))
        )
        self.idempotencyKey = try required(idempotencyKey, "idempotencyKey")
        (self.messageType, self.schemaVersion) = envelope
    }
}

extension ParticipantCommand.ReplyTo {
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var topic: String?, partition: Int32?
        var object = try reader.beginObject("replyTo")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "topic": topic = try reader.readString("replyTo.topic")
            case "partition": partition = try reader.readInteger(Int32.self, "replyTo.partition")
            default: try reader.skipValue()
            }
        }
        self.init(topic: try required(topic, "replyTo.topic"), partition: try required(partition, "replyTo.partition"))
    }
}
