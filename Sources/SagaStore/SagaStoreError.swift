/// An error thrown by a ``SagaStore`` or a ``ParticipantDedupeStore``.
///
/// Match on ``code`` (`error.code == .fenced`); ``shortDescription`` has no dynamic values
/// and is safe as a metric label, ``message`` is for humans.
public struct SagaStoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set that may grow: compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case fenced
            case startKeyConflict
            case invalidBatch
            case cannotOpen
            case notADatabase
            case schemaTooNew
            case database
            case corruptRow
            case closed
            case notRunning
            case invalidURL
        }

        private let value: Value

        /// The partition's epoch moved on: another owner took it. Nothing was changed.
        public static let fenced = Code(value: .fenced)
        /// A start key is already registered to another saga id. Nothing was changed.
        public static let startKeyConflict = Code(value: .startKeyConflict)
        /// The batch contradicts itself (for example a saga of another partition). Nothing was changed.
        public static let invalidBatch = Code(value: .invalidBatch)
        /// The database file could not be opened or created.
        public static let cannotOpen = Code(value: .cannotOpen)
        /// The file exists but is not a database (or is encrypted or corrupt).
        public static let notADatabase = Code(value: .notADatabase)
        /// The database was migrated by a newer version of this program.
        public static let schemaTooNew = Code(value: .schemaTooNew)
        /// The database reported an error; see ``SagaStoreError/databaseResultCode``.
        public static let database = Code(value: .database)
        /// A stored row could not be decoded.
        public static let corruptRow = Code(value: .corruptRow)
        /// The store was closed.
        public static let closed = Code(value: .closed)
        /// The store was used before its `run()` started (run it in a `ServiceGroup`, or use
        /// ``SagaStore/withRunning(_:)``).
        public static let notRunning = Code(value: .notRunning)
        /// A store URL could not be parsed.
        public static let invalidURL = Code(value: .invalidURL)

        /// A short description with no dynamic values, safe as a metric label.
        public var description: String {
            switch value {
            case .fenced: "fenced"
            case .startKeyConflict: "start key conflict"
            case .invalidBatch: "invalid batch"
            case .cannotOpen: "cannot open database"
            case .notADatabase: "not a database"
            case .schemaTooNew: "schema too new"
            case .database: "database error"
            case .corruptRow: "corrupt row"
            case .closed: "store closed"
            case .notRunning: "store not running"
            case .invalidURL: "invalid store URL"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// A human-readable explanation, which may contain values (paths, ids, epochs).
    public let message: String
    /// The underlying error, if another error caused this one.
    public let underlying: (any Error)?
    /// The database's own result code (SQLite's extended result code, for example), if any.
    public let databaseResultCode: Int32?
    /// For ``Code/startKeyConflict``: the key and the saga that already holds it.
    public let conflict: StartKeyConflict?
    /// The source file this error was made in.
    public let file: String
    /// The source line this error was made at.
    public let line: Int

    /// Makes an error. For store implementations; callers match on ``code``.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: A human-readable explanation.
    ///   - underlying: The error that caused this one, if any.
    ///   - databaseResultCode: The database's own result code, if any.
    ///   - conflict: For ``Code/startKeyConflict``, the details.
    public init(
        _ code: Code,
        _ message: String,
        underlying: (any Error)? = nil,
        databaseResultCode: Int32? = nil,
        conflict: StartKeyConflict? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.databaseResultCode = databaseResultCode
        self.conflict = conflict
        self.file = file
        self.line = line
    }

    /// ``code``'s description: no dynamic values, safe as a metric label.
    public var shortDescription: String { code.description }

    public var description: String {
        var text = "SagaStoreError(\(code)): \(message)"
        if let databaseResultCode { text += " [result code \(databaseResultCode)]" }
        if let underlying { text += " (caused by: \(underlying))" }
        return text + " at \(file):\(line)"
    }
}

extension SagaStoreError {
    /// The partition's epoch is not the one the caller holds.
    static func fenced(
        partition: Int32, heldEpoch: Int64, currentEpoch: Int64?, file: String = #fileID, line: Int = #line
    ) -> SagaStoreError {
        let current = currentEpoch.map(String.init) ?? "none"
        return SagaStoreError(
            .fenced,
            "partition \(partition) is fenced: held epoch \(heldEpoch), current epoch \(current)",
            file: file, line: line
        )
    }

    /// A start key already maps to another saga.
    static func startKeyConflict(
        _ conflict: StartKeyConflict, file: String = #fileID, line: Int = #line
    ) -> SagaStoreError {
        SagaStoreError(
            .startKeyConflict,
            "start key (\(conflict.key.sagaType), \(conflict.key.businessKey)) is held by saga "
                + "\(conflict.existingSagaID), not \(conflict.attemptedSagaID)",
            conflict: conflict, file: file, line: line
        )
    }
}
