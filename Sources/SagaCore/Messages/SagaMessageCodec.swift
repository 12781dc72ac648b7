import Foundation

/// Encodes and decodes saga messages as JSON. Pure: no I/O.
public enum SagaMessageCodec {
    /// A message read from the orchestrator's commands or replies topic.
    public enum Inbound: Hashable, Sendable {
        /// A start command.
        case start(StartSagaCommand)
        /// An operator control.
        case control(ControlCommand)
        /// A participant reply.
        case reply(ParticipantReply)
    }

    /// Encodes a message as compact JSON with sorted keys.
    ///
    /// The messages of the contract are written by hand (the same bytes as `JSONEncoder` with `.sortedKeys`
    /// and `.withoutEscapingSlashes`, several times faster); any other ``SagaMessage`` goes through `Codable`.
    /// - Returns: the JSON, never empty.
    /// - Throws: ``SagaCoreError/unencodable(_:file:line:)`` when the message holds what JSON cannot carry
    ///   (a non-finite number, containers nested too deep); nothing is written then.
    public static func encode<Message: SagaMessage>(_ message: Message) throws(SagaCoreError) -> [UInt8] {
        if let message = message as? any JSONCodableMessage { return try message.jsonBytes() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(message))
        } catch {
            throw .unencodable("\(Message.messageType): \(error)")
        }
    }

    /// Decodes and validates a message.
    /// - Returns: the message, or a failure whose ``SagaCoreError/message`` is a reason fit for a dead letter.
    public static func decode<Message: SagaMessage>(_ type: Message.Type, from bytes: some Collection<UInt8>) -> Result<Message, SagaCoreError> {
        if let known = Message.self as? any JSONCodableMessage.Type {
            return JSONReader.withBuffer(bytes) { buffer in decode(known, as: Message.self, from: buffer) }
        }
        let data = Data(bytes)
        let message: Message
        do {
            message = try JSONDecoder().decode(Message.self, from: data)
        } catch let error as DecodingError {
            return .failure(.malformedMessage("\(Message.messageType): \(reason(for: error))"))
        } catch {
            return .failure(.malformedMessage("\(Message.messageType): \(error)"))
        }
        if let problem = message.validationProblem() {
            return .failure(.malformedMessage("\(Message.messageType): \(problem)"))
        }
        return .success(message)
    }

    /// Decodes a message from the commands or replies topic, whatever its type.
    /// - Parameters:
    ///   - bytes: the message value.
    ///   - messageType: the `saga-message-type` header, when present; otherwise the `messageType` field is used.
    public static func decodeInbound(_ bytes: some Collection<UInt8>, messageType: String? = nil) -> Result<Inbound, SagaCoreError> {
        JSONReader.withBuffer(bytes) { buffer in decodeInbound(buffer, messageType: messageType) }
    }

    private static func decodeInbound(_ buffer: UnsafeBufferPointer<UInt8>, messageType: String?) -> Result<Inbound, SagaCoreError> {
        guard let type = messageType ?? envelopeType(buffer) else {
            do throws(JSONReadError) {
                _ = try JSONReader.value(of: buffer)
            } catch {
                return .failure(.malformedMessage(error.reason))
            }
            return .failure(.malformedMessage("not a JSON object with a string messageType"))
        }
        switch type {
        case StartSagaCommand.messageType: return StartSagaCommand.decodeJSON(buffer).map(Inbound.start)
        case ControlCommand.messageType: return ControlCommand.decodeJSON(buffer).map(Inbound.control)
        case ParticipantReply.messageType: return ParticipantReply.decodeJSON(buffer).map(Inbound.reply)
        default: return .failure(.malformedMessage("unknown messageType '\(type)'"))
        }
    }

    /// The string `messageType` of the object, read up to that field (the message's own reader checks the rest).
    private static func envelopeType(_ buffer: UnsafeBufferPointer<UInt8>) -> String? {
        var reader = JSONReader(buffer)
        do throws(JSONReadError) {
            var object = try reader.beginObject("")
            while let key = try reader.nextKey(&object) {
                if case "messageType" = key { return try reader.readString("messageType") }
                try reader.skipValue()
            }
            return nil
        } catch {
            return nil
        }
    }

    /// `Known` is `Message`, as found at run time: the concrete decoder's result, cast back (a
    /// checked cast of the value, tens of nanoseconds, instead of reinterpreting the result's bits).
    private static func decode<Known: JSONCodableMessage, Message>(
        _ known: Known.Type, as message: Message.Type, from buffer: UnsafeBufferPointer<UInt8>
    ) -> Result<Message, SagaCoreError> {
        switch Known.decodeJSON(buffer) {
        case .success(let value):
            guard let value = value as? Message else {
                return .failure(.malformedMessage("\(Known.messageType) decoded as another type than \(Message.self)"))
            }
            return .success(value)
        case .failure(let error):
            return .failure(error)
        }
    }

    /// Reads the whole document as `Message` and validates it; the reasons match those of the `Codable` path.
    /// Called with a concrete type by each message's ``JSONCodableMessage/decodeJSON(_:)``, so it is specialized.
    static func decodeByHand<Message: JSONCodableMessage>(_ type: Message.Type, from buffer: UnsafeBufferPointer<UInt8>) -> Result<Message, SagaCoreError> {
        var reader = JSONReader(buffer)
        let message: Message
        do throws(JSONReadError) {
            message = try Message(reading: &reader)
            try reader.finish()
        } catch {
            return .failure(.malformedMessage("\(Message.messageType): \(error.reason)"))
        }
        if let problem = message.validationProblem() {
            return .failure(.malformedMessage("\(Message.messageType): \(problem)"))
        }
        return .success(message)
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
        return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "(document)" : text)
    }

    private static func reason(for error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' is null (expected \(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "field '\(path(context.codingPath))' is invalid: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
