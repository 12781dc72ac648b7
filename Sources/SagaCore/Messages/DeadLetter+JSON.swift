extension DeadLetter: JSONCodableMessage {
    static func decodeJSON(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Self, SagaCoreError> {
        SagaMessageCodec.decodeByHand(Self.self, from: buffer)
    }

    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("messageType", messageType)
        writer.field("offset", offset)
        writer.field("originalBase64", originalBase64)
        writer.field("originalKeyBase64", originalKeyBase64)
        writer.field("originalSize", originalSize)
        writer.field("originalTruncated", originalTruncated)
        writer.field("partition", Int64(partition))
        writer.field("reason", reason)
        writer.field("schemaVersion", schemaVersion)
        writer.field("time", time?.milliseconds)
        writer.field("topic", topic)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var messageType: String?, schemaVersion: Int?, originalBase64: String?, originalKeyBase64: String?
        var topic: String?, partition: Int32?, offset: Int64?, reason: String?, time: Int64?
        var originalSize: Int64?, originalTruncated: Bool?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "messageType": messageType = try reader.readString("messageType")
            case "schemaVersion": schemaVersion = try reader.readInteger(Int.self, "schemaVersion")
            case "originalBase64": originalBase64 = try reader.readString("originalBase64")
            case "originalKeyBase64": originalKeyBase64 = try reader.readOptionalString("originalKeyBase64")
            case "topic": topic = try reader.readString("topic")
            case "partition": partition = try reader.readInteger(Int32.self, "partition")
            case "offset": offset = try reader.readInteger(Int64.self, "offset")
            case "reason": reason = try reader.readString("reason")
            case "time": time = try reader.readOptionalInteger(Int64.self, "time")
            case "originalSize": originalSize = try reader.readOptionalInteger(Int64.self, "originalSize")
            case "originalTruncated": originalTruncated = try reader.readOptionalBool("originalTruncated")
            default: try reader.skipValue()
            }
        }
        let envelope = (try required(messageType, "messageType"), try required(schemaVersion, "schemaVersion"))
        self.init(
            originalBase64: try required(originalBase64, "originalBase64"), originalKeyBase64: originalKeyBase64,
            topic: try required(topic, "topic"), partition: try required(partition, "partition"),
            offset: try required(offset, "offset"), reason: try required(reason, "reason"),
            time: time.map(SagaTime.init(milliseconds:)), originalSize: originalSize, originalTruncated: originalTruncated
        )
        (self.messageType, self.schemaVersion) = envelope
    }
}
