import Logging
import SagaCore

/// What a handler gets: the command, with where it came from and a logger that names the saga.
///
/// The command's fields read through the request: `request.sagaId`, `request.payload`,
/// `request.dependencyOutputs`, `request.attempt`, `request.deadline`, ...
@dynamicMemberLookup
public struct ParticipantRequest: Sendable {
    /// The command.
    public var command: ParticipantCommand
    /// The W3C `traceparent` the command carried, if any (it is copied onto the reply).
    public var traceparent: String?
    /// A logger with the saga id, step, phase and attempt as metadata.
    public var logger: Logger

    /// Creates a request; the service makes one per command, tests of handlers make their own.
    /// - Parameters:
    ///   - command: the command.
    ///   - traceparent: the W3C trace context header, if any.
    ///   - logger: the logger to hand to the handler; the saga's metadata is added to it.
    public init(command: ParticipantCommand, traceparent: String? = nil, logger: Logger = Logger(label: "saga.participant")) {
        self.command = command
        self.traceparent = traceparent
        var logger = logger
        logger[metadataKey: "saga-id"] = "\(command.sagaId)"
        logger[metadataKey: "step"] = "\(command.step)"
        logger[metadataKey: "phase"] = "\(command.phase.rawValue)"
        logger[metadataKey: "attempt"] = "\(command.attempt)"
        self.logger = logger
    }

    /// A field of the command.
    public subscript<Value>(dynamicMember keyPath: KeyPath<ParticipantCommand, Value>) -> Value {
        command[keyPath: keyPath]
    }

    /// Whether the command's deadline has passed at `now` (milliseconds since the epoch): an answer
    /// sent later counts as a failed attempt.
    public func isPastDeadline(now: SagaTime) -> Bool {
        now > command.deadline
    }
}
