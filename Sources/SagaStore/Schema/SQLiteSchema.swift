/// The SQLite schemas, as ordered lists of migrations. Never edit a released migration: append one.
public enum SQLiteSchema {
    /// The saga store's migrations.
    public static let sagaStore: [SchemaMigration] = [
        SchemaMigration(
            version: 1,
            name: "sagas, offsets, outbox, start keys, partition epochs",
            sql: """
                CREATE TABLE partition_epochs (
                    partition INTEGER PRIMARY KEY,
                    epoch INTEGER NOT NULL
                );
                CREATE TABLE input_offsets (
                    partition INTEGER NOT NULL,
                    topic TEXT NOT NULL,
                    next_offset INTEGER NOT NULL CHECK (next_offset >= 0),
                    PRIMARY KEY (partition, topic)
                ) WITHOUT ROWID;
                CREATE TABLE sagas (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    partition INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    is_terminal INTEGER NOT NULL,
                    business_key TEXT,
                    next_deadline INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    state BLOB NOT NULL
                );
                CREATE INDEX sagas_active ON sagas (partition, id) WHERE is_terminal = 0;
                CREATE INDEX sagas_finished ON sagas (updated_at) WHERE is_terminal = 1;
                -- Every index is written on every saga transition: keep only what operator
                -- queries need most (by status); a listing by type alone scans.
                CREATE INDEX sagas_status_updated ON sagas (status, updated_at);
                -- AUTOINCREMENT: ids are never reused after a purge, so a late mark-sent can
                -- never hit a newer row.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    partition INTEGER NOT NULL,
                    topic TEXT NOT NULL,
                    target_partition INTEGER,
                    key BLOB,
                    value BLOB,
                    headers BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    sent_at INTEGER
                );
                CREATE INDEX outbox_unsent ON outbox (partition, id) WHERE sent_at IS NULL;
                CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
                CREATE TABLE start_keys (
                    saga_type TEXT NOT NULL,
                    business_key TEXT NOT NULL,
                    saga_id TEXT NOT NULL,
                    PRIMARY KEY (saga_type, business_key)
                ) WITHOUT ROWID;
                CREATE INDEX start_keys_saga ON start_keys (saga_id);
                """
        ),
        SchemaMigration(
            version: 2,
            name: "outbox rows per commit and partition",
            sql: """
                -- One row per commit and partition, its messages packed in one blob: a commit of
                -- thousands of messages inserts a handful of rows, and marking them sent updates
                -- as few. Rows of version 1's outbox still unsent are loaded and marked as before.
                CREATE TABLE outbox_batches (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    partition INTEGER NOT NULL,
                    message_count INTEGER NOT NULL,
                    messages BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    sent_at INTEGER
                );
                CREATE INDEX outbox_batches_unsent ON outbox_batches (partition, id) WHERE sent_at IS NULL;
                CREATE INDEX outbox_batches_sent ON outbox_batches (sent_at) WHERE sent_at IS NOT NULL;
                """
        ),
        SchemaMigration(
            version: 3,
            name: "saga indexes a transition leaves alone",
            sql: """
                -- An active saga's transitions change its status and update time. With neither in
                -- an index, a transition writes the saga's row and no index entry (PostgreSQL can
                -- update it in place). Finished sagas are found by finished_at, set once.
                ALTER TABLE sagas ADD COLUMN finished_at INTEGER;
                UPDATE sagas SET finished_at = updated_at WHERE is_terminal = 1;
                DROP INDEX sagas_finished;
                DROP INDEX sagas_status_updated;
                CREATE INDEX sagas_finished ON sagas (finished_at) WHERE finished_at IS NOT NULL;
                """
        ),
        SchemaMigration(
            version: 4,
            name: "published outbox rows are deleted",
            sql: """
                -- Marking a row sent deletes it: Kafka holds its messages from then on. Rows kept
                -- after sending were rewritten once more and grew the file by gigabytes an hour
                -- at full speed, until a purge an hour later.
                DELETE FROM outbox WHERE sent_at IS NOT NULL;
                DELETE FROM outbox_batches WHERE sent_at IS NOT NULL;
                DROP INDEX outbox_sent;
                DROP INDEX outbox_batches_sent;
                """
        ),
        SchemaMigration(
            version: 5,
            name: "progress history, instance heartbeats",
            sql: """
                -- Each saga's newest progress events, written with its state. latency_ms is set on
                -- a step's reply (command to reply), for the step latency percentiles.
                CREATE TABLE saga_progress (
                    saga_id TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    phase TEXT,
                    latency_ms INTEGER,
                    event BLOB NOT NULL,
                    PRIMARY KEY (saga_id, sequence)
                ) WITHOUT ROWID;
                CREATE INDEX saga_progress_latency ON saga_progress (at) WHERE latency_ms IS NOT NULL;
                -- One row per orchestrator instance, rewritten every few seconds.
                CREATE TABLE orchestrator_instances (
                    instance_id TEXT PRIMARY KEY NOT NULL,
                    host TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    status BLOB NOT NULL
                );
                """
        ),
    ]

    /// The participant dedupe store's migrations.
    public static let participantDedupe: [SchemaMigration] = [
        SchemaMigration(
            version: 1,
            name: "participant replies by idempotency key",
            sql: """
                CREATE TABLE participant_replies (
                    consumer TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    reply BLOB NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    PRIMARY KEY (consumer, idempotency_key)
                ) WITHOUT ROWID;
                CREATE INDEX participant_replies_recorded ON participant_replies (recorded_at);
                """
        )
    ]
}

extension SchemaComponent {
    static let sqliteSagaStore = SchemaComponent(name: "saga_store", migrations: SQLiteSchema.sagaStore)
    static let sqliteParticipantDedupe = SchemaComponent(
        name: "participant_dedupe", migrations: SQLiteSchema.participantDedupe
    )
}
