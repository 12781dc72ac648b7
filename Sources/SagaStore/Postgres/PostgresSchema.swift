/// The PostgreSQL schemas, as ordered lists of migrations that mirror ``SQLiteSchema`` version for
/// version and name. Never edit a released migration: append one. Each statement ends with a `;`
/// at the end of a line (they are sent one by one).
public enum PostgresSchema {
    /// The saga store's migrations.
    public static let sagaStore: [SchemaMigration] = [
        SchemaMigration(
            version: 1,
            name: "sagas, offsets, outbox, start keys, partition epochs",
            sql: """
                CREATE TABLE partition_epochs (
                    partition INTEGER PRIMARY KEY,
                    epoch BIGINT NOT NULL
                );
                CREATE TABLE input_offsets (
                    partition INTEGER NOT NULL,
                    topic TEXT NOT NULL,
                    next_offset BIGINT NOT NULL CHECK (next_offset >= 0),
                    PRIMARY KEY (partition, topic)
                );
                -- COLLATE "C": ids order by their bytes, as in SQLite, whatever the database's locale.
                CREATE TABLE sagas (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    type TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    partition INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    is_terminal BOOLEAN NOT NULL,
                    business_key TEXT,
                    next_deadline BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    state BYTEA NOT NULL
                );
                CREATE INDEX sagas_active ON sagas (partition, id) WHERE NOT is_terminal;
                CREATE INDEX sagas_finished ON sagas (updated_at) WHERE is_terminal;
                -- Every index is written on every saga transition: keep only what operator
                -- queries need most (by status); a listing by type alone scans.
                CREATE INDEX sagas_status_updated ON sagas (status, updated_at);
                -- An identity is never reused after a purge, so a late mark-sent can never hit a
                -- newer row.
                CREATE TABLE outbox (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    partition INTEGER NOT NULL,
                    topic TEXT NOT NULL,
                    target_partition INTEGER,
                    key BYTEA,
                    value BYTEA,
                    headers BYTEA NOT NULL,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT
                );
                CREATE INDEX outbox_unsent ON outbox (partition, id) WHERE sent_at IS NULL;
                CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
                CREATE TABLE start_keys (
                    saga_type TEXT NOT NULL,
                    business_key TEXT NOT NULL,
                    saga_id TEXT COLLATE "C" NOT NULL,
                    PRIMARY KEY (saga_type, business_key)
                );
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
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    partition INTEGER NOT NULL,
                    message_count INTEGER NOT NULL,
                    messages BYTEA NOT NULL,
                    created_at BIGINT NOT NULL,
                    sent_at BIGINT
                );
                CREATE INDEX outbox_batches_unsent ON outbox_batches (partition, id) WHERE sent_at IS NULL;
                CREATE INDEX outbox_batches_sent ON outbox_batches (sent_at) WHERE sent_at IS NOT NULL;
                -- Out of line but not compressed: the blobs are tens of kilobytes of JSON that
                -- live for one relay round trip, and compressing them took a fifth of the
                -- server's CPU at full load.
                ALTER TABLE outbox_batches ALTER COLUMN messages SET STORAGE EXTERNAL;
                """
        ),
        SchemaMigration(
            version: 3,
            name: "saga indexes a transition leaves alone",
            sql: """
                -- An active saga's transitions change its status and update time. With neither in
                -- an index, a transition is a heap-only update: the row is rewritten in its page
                -- and no index entry is added. Finished sagas are found by finished_at, set once.
                ALTER TABLE sagas ADD COLUMN finished_at BIGINT;
                UPDATE sagas SET finished_at = updated_at WHERE is_terminal;
                DROP INDEX sagas_finished;
                DROP INDEX sagas_status_updated;
                CREATE INDEX sagas_finished ON sagas (finished_at) WHERE finished_at IS NOT NULL;
                -- Room in each page for the next version of its rows.
                ALTER TABLE sagas SET (fillfactor = 80);
                """
        ),
        SchemaMigration(
            version: 4,
            name: "published outbox rows are deleted",
            sql: """
                -- Marking a row sent deletes it: Kafka holds its messages from then on. Rows kept
                -- after sending were written once more (a new row version and an index entry)
                -- and filled the table at gigabytes an hour at full speed, until a purge.
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
                    saga_id TEXT COLLATE "C" NOT NULL,
                    sequence BIGINT NOT NULL,
                    at BIGINT NOT NULL,
                    kind TEXT NOT NULL,
                    phase TEXT,
                    latency_ms BIGINT,
                    event BYTEA NOT NULL,
                    PRIMARY KEY (saga_id, sequence)
                );
                CREATE INDEX saga_progress_latency ON saga_progress (at) WHERE latency_ms IS NOT NULL;
                -- One row per orchestrator instance, rewritten every few seconds.
                CREATE TABLE orchestrator_instances (
                    instance_id TEXT PRIMARY KEY,
                    host TEXT NOT NULL,
                    started_at BIGINT NOT NULL,
                    last_seen BIGINT NOT NULL,
                    status BYTEA NOT NULL
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
                    reply BYTEA NOT NULL,
                    recorded_at BIGINT NOT NULL,
                    PRIMARY KEY (consumer, idempotency_key)
                );
                CREATE INDEX participant_replies_recorded ON participant_replies (recorded_at);
                """
        )
    ]
}

extension SchemaComponent {
    static let postgresSagaStore = SchemaComponent(name: "saga_store", migrations: PostgresSchema.sagaStore)
    static let postgresParticipantDedupe = SchemaComponent(
        name: "participant_dedupe", migrations: PostgresSchema.participantDedupe
    )
}
