import Foundation
import SagaCore

/// A saga definition as the orchestrator publishes it on `<prefix>definitions` at start: keyed
/// by ``key`` (`type@version`) on a compacted topic, so the topic holds the latest of each, and
/// clients (`saga start`, `saga definitions`, the HTTP API) learn which saga types exist.
public struct PublishedDefinition: Codable, Sendable, Hashable {
    /// One step, as its definition names it.
    public struct Step: Codable, Sendable, Hashable {
        /// The step's name.
        public var name: String
        /// The participant's command topic.
        public var topic: String
        /// The steps it waits for.
        public var dependsOn: [String]
        /// Its timeout per attempt, in milliseconds.
        public var timeoutMs: Int64
    }

    /// Always `saga.definition`.
    public var messageType: String
    /// The document's schema version: 1.
    public var schemaVersion: Int
    /// The saga type.
    public var type: String
    /// The definition's version.
    public var version: Int
    /// The steps, in the definition's order.
    public var steps: [Step]
    /// The saga's deadline, in milliseconds.
    public var deadlineMs: Int64

    /// The message type written in ``messageType``.
    public static let messageType = "saga.definition"

    /// The document for `definition`.
    public init(_ definition: SagaDefinition) {
        messageType = Self.messageType
        schemaVersion = 1
        type = definition.type
        version = definition.version
        steps = definition.steps.map { Step(name: $0.name, topic: $0.topic, dependsOn: $0.dependsOn, timeoutMs: $0.timeout.milliseconds) }
        deadlineMs = definition.deadline.milliseconds
    }

    /// The message key: `type@version`.
    public var key: String { "\(type)@\(version)" }

    /// The JSON document, keys sorted.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Reads a published document.
    /// - Throws: `DecodingError` when the bytes are not one.
    public init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(bytes))
        guard messageType == Self.messageType else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "messageType is '\(messageType)', not '\(Self.messageType)'"))
        }
    }
}
