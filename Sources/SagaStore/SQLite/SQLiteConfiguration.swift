/// How a SQLite store opens and writes its file.
public struct SQLiteConfiguration: Sendable, Hashable {
    /// When SQLite waits for the disk (`PRAGMA synchronous`), in WAL mode.
    public struct Synchronous: Sendable, Hashable, CustomStringConvertible {
        let pragmaValue: String

        /// `NORMAL` (the default): a commit is atomic and consistent, and survives a crash of the
        /// process, but the last commits before a power loss or OS crash may roll back (WAL is
        /// synced at checkpoints, not at each commit). Rolled-back commits take their offsets
        /// with them, so their inputs are consumed and applied again: nothing is lost or applied
        /// twice, but outbox messages already relayed may be published again (at least once).
        public static let normal = Synchronous(pragmaValue: "NORMAL")
        /// `FULL`: every commit is synced to disk before it returns; survives power loss, slower.
        public static let full = Synchronous(pragmaValue: "FULL")

        public var description: String { pragmaValue }
    }

    /// When SQLite waits for the disk. Default ``Synchronous/normal``.
    public var synchronous: Synchronous
    /// How long a statement waits for another connection's lock before failing. Default 5 seconds.
    public var busyTimeout: Duration
    /// How often a thread of the store's own checkpoints the WAL (copies it back into the
    /// database file, which is when the disk is synced) once it holds about 4 MiB, so the
    /// checkpoint a commit runs at about 40 MiB has little left to do. Default 250 ms. `nil`: commits do all checkpointing, as in
    /// SQLite's default. (Without it, a commit on a slow virtual disk stalled for 110 to 180 ms
    /// every few seconds; with it, about 30 ms.) A file store only; an in-memory one has no WAL.
    public var checkpointInterval: Duration?
    /// The most memory SQLite's page cache may hold, in bytes. Default 16 MiB: the pages every
    /// commit touches (the tables' inner pages, the newest rows, the outbox's tail) fit many
    /// times over. The orchestrator keeps its active sagas in memory itself, so a larger cache
    /// mostly keeps a second copy of their rows: with 64 MiB an active saga held waiting cost
    /// 2.0–2.8 KiB of resident memory instead of 1.3–1.7 KiB, for the same sagas per second.
    public var cacheSize: Int

    /// Makes a configuration; see the properties for the defaults.
    public init(
        synchronous: Synchronous = .normal, busyTimeout: Duration = .seconds(5),
        checkpointInterval: Duration? = .milliseconds(250), cacheSize: Int = 16 << 20
    ) {
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
        self.checkpointInterval = checkpointInterval
        self.cacheSize = cacheSize
    }
}
