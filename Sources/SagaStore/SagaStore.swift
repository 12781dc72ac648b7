import ServiceLifecycle

/// The transactional store behind the orchestrator: saga state, consumed offsets, the outbox,
/// start keys and partition epochs, written together so each input is applied exactly once.
///
/// Two implementations pass the same contract tests: ``SQLiteSagaStore`` (one instance, a local
/// file) and ``PostgresSagaStore`` (several instances sharing one database). All times are
/// milliseconds since the Unix epoch and are given by the caller: the store reads no clock.
///
/// A store is a `Service`: it accepts calls while its `run()` runs (first in the process's
/// `ServiceGroup`, so it stops last) and releases its thread or connection pool when `run()`
/// ends. A call before `run()` throws ``SagaStoreError/Code/notRunning``, one after it
/// ``SagaStoreError/Code/closed``. ``withRunning(_:)`` runs a store for the length of a scope.
public protocol SagaStore: Service {
    /// Takes a partition: bumps its epoch (starting at 1) and returns the lease with the new epoch.
    /// Every lease on the partition taken before is fenced from then on.
    /// - Parameter partition: The partition number.
    /// - Throws: ``SagaStoreError`` if the database fails.
    func takePartition(_ partition: Int32) async throws -> PartitionLease

    /// Loads what an owner needs to resume a partition, in one consistent read.
    /// - Parameter lease: The lease returned by ``takePartition(_:)``.
    /// - Returns: The next offset per input topic, the active sagas and the unsent outbox rows.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/fenced`` if the lease is stale.
    func loadPartition(_ lease: PartitionLease) async throws -> PartitionSnapshot

    /// Writes a batch in one transaction, after checking its lease is still current.
    /// - Parameter batch: The sagas, offsets, outbox messages and start keys to write.
    /// - Returns: The outbox messages as stored, with their ids.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/fenced``,
    ///   ``SagaStoreError/Code/startKeyConflict`` or ``SagaStoreError/Code/invalidBatch``; on any
    ///   error nothing of the batch is written.
    @discardableResult
    func commit(_ batch: CommitBatch) async throws -> CommitResult

    /// Writes several batches (of different partitions) in one transaction, each checked against
    /// its own lease: all are written, or none (a fenced lease fails them all with
    /// ``SagaStoreError/Code/fenced``; the caller then commits them one by one to find which).
    /// One transaction instead of one per partition is what keeps group commit cheap.
    /// - Returns: one result per batch, in order.
    @discardableResult
    func commit(all batches: [CommitBatch]) async throws -> [CommitResult]

    /// Marks outbox rows as published, every message of each row, by deleting them: from then
    /// on Kafka holds the messages, and a store keeps only what is still to send (at thousands
    /// of messages a second, keeping sent rows would grow the store by gigabytes an hour).
    /// Unknown or repeated ids are ignored. Mark a row only once all the records that carry its
    /// id are published (the records of one ``CommitResult`` share an id).
    ///
    /// Not fenced: it only records that a message reached Kafka, which is true whoever says it;
    /// a new owner that loaded a row before it was marked publishes it again (at least once).
    /// - Parameter ids: The ids of ``OutboxRecord``s (each id once or more).
    func markSent(_ ids: [Int64]) async throws

    /// Looks up which sagas hold some start keys; a key no saga holds is absent from the result.
    /// The runtime asks before committing a start; the unique key in ``commit(_:)`` is the safety net.
    func sagaIDs(forStartKeys keys: [StartKey]) async throws -> [StartKey: String]

    /// Returns a saga by id, terminal or not, or `nil` if there is none (or it was purged).
    func saga(id: String) async throws -> SagaRecord?

    /// Returns the sagas of some ids, terminal or not, in one read; an id with no saga (or a
    /// purged one) is absent. The runtime reads the sagas a batch names that are not in memory
    /// (finished ones, or new ones a start names) with one call per batch.
    func sagas(ids: [String]) async throws -> [String: SagaRecord]

    /// Returns the ids of the sagas whose id starts with `prefix` (terminal or not), in id order,
    /// at most `limit` of them: how an operator's shortened id is resolved. The match is exact
    /// (case-sensitive, `%` and `_` are plain characters).
    /// - Parameters:
    ///   - prefix: The first characters of an id; empty matches every saga.
    ///   - limit: The most ids to return (ask for two to learn whether a prefix is unique).
    func sagaIDs(startingWith prefix: String, limit: Int) async throws -> [String]

    /// Lists sagas by status and type, ordered by update time.
    func listSagas(_ query: SagaQuery) async throws -> [SagaRecord]

    /// Counts sagas per status; statuses with no saga are absent.
    func countSagasByStatus() async throws -> [String: Int]

    /// Deletes terminal sagas that finished before a cutoff, with their start keys, and outbox
    /// rows an instance of an older version marked sent instead of deleting. Active sagas and
    /// unsent rows are never deleted. A finished saga's start key lives as long as the saga, so
    /// a duplicate start is recognised until then.
    /// - Parameter finishedBefore: Delete terminal sagas that finished before this (now minus the retention).
    func purge(finishedBefore: Int64) async throws -> PurgeResult

    // MARK: - Operations views

    /// A saga's progress history, oldest first: the entries ``commit(_:)`` kept for it (the
    /// newest ``CommitBatch/progressLimit``); empty when none were kept or the saga was purged.
    func progressHistory(sagaID: String) async throws -> [ProgressEntry]

    /// Writes (or replaces) an instance's heartbeat row.
    func recordHeartbeat(_ heartbeat: InstanceHeartbeat) async throws

    /// The instances whose heartbeat is at or after `seenSince`, by instance id; older rows are
    /// deleted (an instance gone that long is not coming back under the same id).
    /// - Parameter seenSince: milliseconds since the Unix epoch.
    /// - Parameter forgetBefore: rows last seen before this are deleted.
    func instances(seenSince: Int64, forgetBefore: Int64) async throws -> [InstanceHeartbeat]

    /// How many sagas finished at or after `finishedSince`, per type and terminal status.
    func outcomeCounts(finishedSince: Int64) async throws -> [OutcomeCount]

    /// Step reply latencies recorded in the progress history at or after `since`, the newest
    /// `limit` of them.
    func stepLatencies(since: Int64, limit: Int) async throws -> [StepLatency]

    /// The version of the newest schema migration applied to the database.
    func schemaVersion() async throws -> Int

    /// Returns once the store's `run()` has started and it accepts calls.
    /// - Throws: ``SagaStoreError/Code/closed`` if its `run()` ended first; `CancellationError`.
    func waitUntilRunning() async throws
}
