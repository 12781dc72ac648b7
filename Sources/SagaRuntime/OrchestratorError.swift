/// An error that stops an ``Orchestrator``.
public struct OrchestratorError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case kafka
        case store
        case configuration
        case rebalance
    }

    private let code: Code
    /// What went wrong, for a person.
    public let message: String
    /// The error underneath, if any.
    public let cause: (any Error)?
    /// Where the error was made.
    public let file: String
    /// Where the error was made.
    public let line: UInt

    private init(_ code: Code, _ message: String, cause: (any Error)?, file: String, line: UInt) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// A Kafka client failed in a way the orchestrator cannot continue from.
    static func kafka(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.kafka, message, cause: cause, file: file, line: line)
    }

    /// The store failed.
    static func store(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.store, message, cause: cause, file: file, line: line)
    }

    /// The configuration cannot work.
    static func configuration(_ message: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.configuration, message, cause: nil, file: file, line: line)
    }

    /// Taking over assigned partitions failed.
    static func rebalance(_ message: String, cause: (any Error)? = nil, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.rebalance, message, cause: cause, file: file, line: line)
    }

    /// A description with no dynamic values, safe as a metric label.
    public var shortDescription: String {
        switch code {
        case .kafka: return "kafka"
        case .store: return "store"
        case .configuration: return "configuration"
        case .rebalance: return "rebalance"
        }
    }

    public var description: String {
        var text = "OrchestratorError.\(shortDescription): \(message)"
        if let cause { text += " (caused by: \(cause))" }
        return text
    }
}
