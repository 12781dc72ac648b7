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
    public static func encode<Message: SagaMessage>(_ message: Message) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own value types into JSON cannot fail (no non-finite doubles are produced by the core).
        return Array((try? encoder.encode(message)) ?? Data())
    }

    /// Decodes and validates a message.
    /// - Returns: the message, or a failure whose ``SagaCoreError/message`` is a reason fit for a dead letter.
    public static func decode<Message: SagaMessage>(_ type: Message.Type, from bytes: some Collection<UInt8>) -> Result<Message, SagaCoreError> {
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
        let data = Data(bytes)
        var type = messageType
        if type == nil {
            guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data) else {
                return .failure(.malformedMessage("not a JSON object with a string messageType"))
            }
            type = envelope.messageType
        }
        switch type {
        case StartSagaCommand.messageType: return decode(StartSagaCommand.self, from: data).map(Inbound.start)
        case ControlCommand.messageType: return decode(ControlCommand.self, from: data).map(Inbound.control)
        case ParticipantReply.messageType: return decode(ParticipantReply.self, from: data).map(Inbound.reply)
        default: return .failure(.malformedMessage("unknown messageType '\(type ?? "")'"))
        }
    }

    private struct Envelope: Decodable {
        var messageType: String
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
