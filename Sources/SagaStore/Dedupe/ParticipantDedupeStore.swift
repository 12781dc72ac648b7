import ServiceLifecycle

/// Where a participant remembers the reply it gave for each idempotency key, so a command
/// delivered again gets the same reply instead of being applied twice.
///
/// Three implementations: ``SQLiteParticipantDedupeStore``, ``PostgresParticipantDedupeStore`` and
/// ``InMemoryParticipantDedupeStore`` (for tests). All times are milliseconds since the Unix epoch, given by the caller.
///
/// Like a ``SagaStore``, a dedupe store is a `Service` that accepts calls while its `run()`
/// runs; ``withRunning(_:)`` runs it for the length of a scope.
public protocol ParticipantDedupeStore: Service {
    /// Records the reply for a key, unless one is already recorded: the first reply wins.
    /// - Returns: The reply now recorded for the key: `reply`, or the one recorded before.
    @discardableResult
    func record(_ reply: [UInt8], for key: DedupeKey, at time: Int64) async throws -> [UInt8]

    /// Returns the reply recorded for a key, or `nil` if none is.
    func reply(for key: DedupeKey) async throws -> [UInt8]?

    /// Forgets replies recorded before a cutoff (now minus the retention).
    /// - Returns: How many were forgotten.
    func purge(recordedBefore cutoff: Int64) async throws -> Int

    /// Returns once the store's `run()` has started and it accepts calls.
    /// - Throws: ``SagaStoreError/Code/closed`` if its `run()` ended first; `CancellationError`.
    func waitUntilRunning() async throws
}

/// Identifies one command as one participant saw it.
public struct DedupeKey: Sendable, Hashable {
    /// The participant's name or consumer group: two participants may see the same key.
    public var consumer: String
    /// The command's idempotency key (one per saga, step and phase).
    public var idempotencyKey: String

    /// Makes a key.
    public init(consumer: String, idempotencyKey: String) {
        self.consumer = consumer
        self.idempotencyKey = idempotencyKey
    }
}
