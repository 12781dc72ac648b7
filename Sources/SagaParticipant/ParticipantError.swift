/// An error that stops a ``ParticipantService``, or a dedupe record it cannot read.
public struct ParticipantError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case configuration
        case kafka
        case unreadableRecord
    }

    private let code: Code
    /// What went wrong, for a person.
    public let message: String
    /// The error underneath, if any.
    public let cause: (any Error)?
    /// The file the error was made in.
    public let file: String
    /// The line the error was made at.
    public let line: UInt

    private init(_ code: Code, _ message: String, cause: (any Error)?, file: String, line: UInt) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// The configuration cannot work.
    static func configuration(_ message: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.configuration, message, cause: nil, file: file, line: line)
    }

    /// A Kafka client failed in a way the service cannot continue from.
    static func kafka(_ message: String, cause: (any Error)?, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.kafka, message, cause: cause, file: file, line: line)
    }

    /// A reply recorded in the dedupe store is not a reply.
    static func unreadableRecord(_ message: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unreadableRecord, message, cause: nil, file: file, line: line)
    }

    /// A description with no dynamic values, safe as a metric label.
    public var shortDescription: String {
        switch code {
        case .configuration: "configuration"
        case .kafka: "kafka"
        case .unreadableRecord: "unreadable dedupe record"
        }
    }

    public var description: String {
        var text = "ParticipantError.\(shortDescription): \(message)"
        if let cause { text += " (caused by: \(cause))" }
        return text
    }
}
