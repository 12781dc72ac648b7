/// One step of a database schema, applied once, in order, at open.
///
/// Each backend keeps its own list in its own SQL dialect; the lists mirror each other version
/// for version and name, so a database's `schema_migrations` table reads the same on both.
public struct SchemaMigration: Sendable, Hashable {
    /// The version this migration brings the schema to; versions start at 1 and have no gaps.
    public var version: Int
    /// A short name for the change, recorded in `schema_migrations`.
    public var name: String
    /// The statements to run, separated by semicolons.
    public var sql: String

    /// Makes a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Which list of migrations: the saga store's and the participant dedupe store's evolve apart,
/// and may share a database file.
struct SchemaComponent: Sendable, Hashable {
    let name: String
    let migrations: [SchemaMigration]

    var latestVersion: Int { migrations.last?.version ?? 0 }
}
