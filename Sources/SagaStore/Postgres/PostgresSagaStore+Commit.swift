import PostgresNIO

extension PostgresSagaStore {
    @discardableResult
    public func commit(_ batch: CommitBatch) async throws -> CommitResult {
        try await commit(all: [batch])[0]
    }

    /// Four round trips whatever the batches hold: `BEGIN`; lock and check the epochs; one
    /// statement writing every saga, offset and outbox row as arrays; `COMMIT` (and one more, plus
    /// one per conflict check, when the batches register start keys).
    @discardableResult
    public func commit(all batches: [CommitBatch]) async throws -> [CommitResult] {
        guard !batches.isEmpty else { return [] }
        let partitions = batches.map(\.lease.partition)
        guard Set(partitions).count == partitions.count else {
            throw SagaStoreError(.invalidBatch, "two batches of one commit are for the same partition")
        }
        for batch in batches { try batch.validate() }
        let rows = CommitRows(batches)
        let registrations = batches.flatMap(\.startKeys)
        let action = batches.count == 1 ? "committing for \(batches[0].lease)" : "committing \(batches.count) partitions"
        let ids = try await pool.transaction(doing: action) { connection in
            let epochs = try await Self.epochs(of: partitions, on: connection, lock: true, logger: logger)
            for batch in batches { try Self.check(batch.lease, against: epochs) }
            let ids = try await Self.write(rows, on: connection, logger: logger)
            try await Self.register(registrations, on: connection, logger: logger)
            return ids
        }
        guard ids.count == rows.outboxCount else {
            throw SagaStoreError(.database, "the outbox insert returned \(ids.count) ids for \(rows.outboxCount) rows")
        }
        // One row per batch with messages. Identities are drawn in insertion order, which is the
        // arrays' order; `ids` is sorted.
        var remaining = ids[...]
        return batches.map { batch in
            guard !batch.outbox.isEmpty, let id = remaining.popFirst() else { return CommitResult(outbox: []) }
            return CommitResult(
                outbox: batch.outbox.map { OutboxRecord(id: id, sagaPartition: batch.lease.partition, message: $0) }
            )
        }
    }

    /// Upserts the sagas and offsets and appends the outbox rows in one statement; returns the
    /// new outbox ids in ascending order.
    private static func write(_ rows: CommitRows, on connection: PostgresConnection, logger: Logger) async throws -> [Int64] {
        let result = try await connection.run(
            """
            WITH saga_rows AS (
                INSERT INTO sagas (\(unescaped: sagaColumns), finished_at)
                SELECT * FROM unnest(
                    \(rows.sagaIDs)::text[], \(rows.sagaTypes)::text[], \(rows.sagaVersions)::int8[],
                    \(rows.sagaPartitions)::int4[], \(rows.sagaStatuses)::text[], \(rows.sagaIsTerminal)::bool[],
                    \(rows.sagaBusinessKeys)::text[], \(rows.sagaNextDeadlines)::int8[], \(rows.sagaCreatedAt)::int8[],
                    \(rows.sagaUpdatedAt)::int8[], \(rows.sagaStates)::bytea[], \(rows.sagaFinishedAt)::int8[])
                ON CONFLICT (id) DO UPDATE SET
                    type = excluded.type, version = excluded.version, partition = excluded.partition,
                    status = excluded.status, is_terminal = excluded.is_terminal,
                    business_key = excluded.business_key, next_deadline = excluded.next_deadline,
                    updated_at = excluded.updated_at, state = excluded.state, finished_at = excluded.finished_at
            ), offset_rows AS (
                INSERT INTO input_offsets (partition, topic, next_offset)
                SELECT * FROM unnest(\(rows.offsetPartitions)::int4[], \(rows.offsetTopics)::text[], \(rows.offsets)::int8[])
                ON CONFLICT (partition, topic) DO UPDATE SET next_offset = excluded.next_offset
            ), outbox_rows AS (
                INSERT INTO outbox_batches (partition, message_count, messages, created_at)
                SELECT * FROM unnest(
                    \(rows.outboxPartitions)::int4[], \(rows.outboxMessageCounts)::int4[], \(rows.outboxMessages)::bytea[],
                    \(rows.outboxCreatedAt)::int8[])
                RETURNING id
            ), progress_rows AS (
                INSERT INTO saga_progress (saga_id, sequence, at, kind, phase, latency_ms, event)
                SELECT * FROM unnest(
                    \(rows.progressSagaIDs)::text[], \(rows.progressSequences)::int8[], \(rows.progressTimes)::int8[],
                    \(rows.progressKinds)::text[], \(rows.progressPhases)::text[], \(rows.progressLatencies)::int8[],
                    \(rows.progressEvents)::bytea[])
                ON CONFLICT (saga_id, sequence) DO NOTHING
            ), progress_trim AS (
                DELETE FROM saga_progress USING unnest(\(rows.trimSagaIDs)::text[], \(rows.trimFloors)::int8[]) AS kept (saga_id, keep_from)
                WHERE saga_progress.saga_id = kept.saga_id AND saga_progress.sequence < kept.keep_from
            )
            SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM outbox_rows
            """,
            logger: logger
        )
        // One row holding every id: far cheaper to read than a row per id.
        for try await ids in result.decode([Int64].self) { return ids }
        return []
    }

    /// Registers start keys; a key already held by another saga fails with
    /// ``SagaStoreError/Code/startKeyConflict`` (the caller's transaction then rolls back).
    private static func register(
        _ registrations: [StartKeyRegistration], on connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !registrations.isEmpty else { return }
        // In key order, so two commits inserting the same keys wait for each other, never deadlock.
        let ordered = registrations.sorted {
            ($0.key.sagaType, $0.key.businessKey) < ($1.key.sagaType, $1.key.businessKey)
        }
        let inserted = try await connection.run(
            """
            INSERT INTO start_keys (saga_type, business_key, saga_id)
            SELECT * FROM unnest(
                \(ordered.map(\.key.sagaType))::text[], \(ordered.map(\.key.businessKey))::text[],
                \(ordered.map(\.sagaID))::text[])
            ON CONFLICT (saga_type, business_key) DO NOTHING
            RETURNING saga_type, business_key, saga_id
            """,
            logger: logger
        )
        var holders: [StartKey: String] = [:]
        for try await (type, key, sagaID) in inserted.decode((String, String, String).self) {
            holders[StartKey(sagaType: type, businessKey: key)] = sagaID
        }
        // Keys held before: read now, in a new snapshot that sees a racing transaction's key
        // that made ours do nothing.
        let missing = registrations.map(\.key).filter { holders[$0] == nil }
        if !missing.isEmpty {
            for (key, sagaID) in try await sagaIDs(for: missing, on: connection, logger: logger) {
                holders[key] = sagaID
            }
        }
        for registration in registrations {
            if let holder = holders[registration.key], holder != registration.sagaID {
                throw SagaStoreError.startKeyConflict(
                    StartKeyConflict(key: registration.key, existingSagaID: holder, attemptedSagaID: registration.sagaID)
                )
            }
        }
    }

    static func sagaIDs(
        for keys: [StartKey], on connection: PostgresConnection, logger: Logger
    ) async throws -> [StartKey: String] {
        let rows = try await connection.run(
            """
            SELECT saga_type, business_key, saga_id FROM start_keys
            JOIN unnest(\(keys.map(\.sagaType))::text[], \(keys.map(\.businessKey))::text[]) AS wanted (saga_type, business_key)
            USING (saga_type, business_key)
            """,
            logger: logger
        )
        var found: [StartKey: String] = [:]
        for try await (type, key, sagaID) in rows.decode((String, String, String).self) {
            found[StartKey(sagaType: type, businessKey: key)] = sagaID
        }
        return found
    }
}

/// The rows of a group commit as one array per column, for `unnest`.
struct CommitRows: Sendable {
    var sagaIDs = PostgresArray(.text)
    var sagaTypes = PostgresArray(.text)
    var sagaVersions = PostgresArray(.int8)
    var sagaPartitions = PostgresArray(.int4)
    var sagaStatuses = PostgresArray(.text)
    var sagaIsTerminal = PostgresArray(.bool)
    var sagaBusinessKeys = PostgresArray(.text)
    var sagaNextDeadlines = PostgresArray(.int8)
    var sagaCreatedAt = PostgresArray(.int8)
    var sagaUpdatedAt = PostgresArray(.int8)
    var sagaStates = PostgresArray(.bytea)
    var sagaFinishedAt = PostgresArray(.int8)

    var offsetPartitions = PostgresArray(.int4)
    var offsetTopics = PostgresArray(.text)
    var offsets = PostgresArray(.int8)

    /// One outbox row per batch with messages (``OutboxBatchCodec``).
    var outboxPartitions = PostgresArray(.int4)
    var outboxMessageCounts = PostgresArray(.int4)
    var outboxMessages = PostgresArray(.bytea)
    var outboxCreatedAt = PostgresArray(.int8)

    var outboxCount: Int { outboxPartitions.count }

    /// Progress history entries, and per saga the lowest sequence number kept.
    var progressSagaIDs = PostgresArray(.text)
    var progressSequences = PostgresArray(.int8)
    var progressTimes = PostgresArray(.int8)
    var progressKinds = PostgresArray(.text)
    var progressPhases = PostgresArray(.text)
    var progressLatencies = PostgresArray(.int8)
    var progressEvents = PostgresArray(.bytea)
    var trimSagaIDs = PostgresArray(.text)
    var trimFloors = PostgresArray(.int8)

    init(_ batches: [CommitBatch]) {
        for saga in Self.mergedSagas(batches) {
            sagaIDs.append(saga.id)
            sagaTypes.append(saga.type)
            sagaVersions.append(Int64(saga.version))
            sagaPartitions.append(saga.partition)
            sagaStatuses.append(saga.status)
            sagaIsTerminal.append(saga.isTerminal)
            sagaBusinessKeys.append(saga.businessKey)
            sagaNextDeadlines.append(saga.nextDeadline)
            sagaCreatedAt.append(saga.createdAt)
            sagaUpdatedAt.append(saga.updatedAt)
            sagaStates.append(saga.state)
            sagaFinishedAt.append(saga.isTerminal ? saga.updatedAt : nil)
        }
        for batch in batches {
            for (topic, offset) in batch.nextOffsets {
                offsetPartitions.append(batch.lease.partition)
                offsetTopics.append(topic)
                offsets.append(offset)
            }
            if !batch.outbox.isEmpty {
                outboxPartitions.append(batch.lease.partition)
                outboxMessageCounts.append(Int32(batch.outbox.count))
                outboxMessages.append(OutboxBatchCodec.encode(batch.outbox))
                outboxCreatedAt.append(batch.outbox.map(\.createdAt).max() ?? 0)
            }
            for entry in batch.progressToWrite {
                progressSagaIDs.append(entry.sagaID)
                progressSequences.append(entry.sequence)
                progressTimes.append(entry.time)
                progressKinds.append(entry.kind)
                progressPhases.append(entry.phase)
                progressLatencies.append(entry.latency)
                progressEvents.append(entry.event)
            }
            for (sagaID, floor) in batch.progressFloors where floor > 1 {
                trimSagaIDs.append(sagaID)
                trimFloors.append(floor)
            }
        }
    }

    /// One row per saga id (an upsert statement may touch a row once): the last version written,
    /// with the first one's creation time, which is what writing them one by one would leave.
    private static func mergedSagas(_ batches: [CommitBatch]) -> [SagaRecord] {
        var merged: [SagaRecord] = []
        var indexByID: [String: Int] = [:]
        for saga in batches.lazy.flatMap(\.sagas) {
            if let index = indexByID[saga.id] {
                var latest = saga
                latest.createdAt = merged[index].createdAt
                merged[index] = latest
            } else {
                indexByID[saga.id] = merged.count
                merged.append(saga)
            }
        }
        return merged
    }
}
