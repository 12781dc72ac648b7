import Crypto

/// Idempotent start: which saga a start command is about, and whether it creates one.
public enum SagaStart {
    /// What to do with a start command.
    public enum Resolution: Hashable, Sendable {
        /// No such saga yet: call ``SagaMachine/start(_:sagaID:replyPartition:now:)`` with this id.
        case create(sagaID: String)
        /// The saga exists: call ``SagaMachine/handle(_:state:now:)`` with `.start(command)` on it,
        /// which answers per the command's conflict policy and never creates a second saga.
        case duplicate(of: String)
    }

    /// The id a start command's saga has: its `sagaId`, else the one derived from (type, business key),
    /// else nil (the runtime must make one, for example a random UUID).
    ///
    /// Clients that key their start by this id put duplicates on the same partition.
    public static func sagaID(for command: StartSagaCommand) -> String? {
        if let id = command.sagaId { return id }
        if let key = command.businessKey { return derivedSagaID(sagaType: command.sagaType, businessKey: key) }
        return nil
    }

    /// A stable id for (type, business key): a name-based UUID (version 8) from SHA-256 of `type`, a NUL byte and `businessKey`.
    public static func derivedSagaID(sagaType: String, businessKey: String) -> String {
        var digest = Array(SHA256.hash(data: Array(sagaType.utf8) + [0] + Array(businessKey.utf8)))
        digest[6] = (digest[6] & 0x0F) | 0x80
        digest[8] = (digest[8] & 0x3F) | 0x80
        let hex = digest.prefix(16).map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }

    /// Resolves a start against the saga the runtime found for it.
    ///
    /// - Parameters:
    ///   - command: the start command.
    ///   - existing: the saga with id ``sagaID(for:)``, or with the same (type, business key), if the runtime has one.
    ///   - newID: the id to use when the command names none and has no business key.
    public static func resolve(_ command: StartSagaCommand, existing: SagaState?, newID: @autoclosure () -> String) -> Resolution {
        if let existing { return .duplicate(of: existing.sagaID) }
        return .create(sagaID: sagaID(for: command) ?? newID())
    }
}
