import Foundation
import Logging
import PostgresNIO

extension PostgresConnection {
    /// Serialises migrations of every store sharing the database (an arbitrary fixed key).
    private static let migrationLockKey: Int64 = 0x5341_4741_4D49_4752

    /// Applies the migrations of `component` not yet recorded in `schema_migrations`, each in its
    /// own transaction under an advisory lock (so instances starting together apply each once),
    /// and returns the resulting version.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/schemaTooNew`` if the database has a
    ///   version this program does not know.
    @discardableResult
    func migrate(_ component: SchemaComponent, now: Int64, logger: Logger) async throws -> Int {
        let current = try await transaction(begin: "BEGIN", logger: logger) { connection in
            try await connection.lockMigrations(logger: logger)
            try await connection.run(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    component TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL,
                    PRIMARY KEY (component, version)
                )
                """,
                logger: logger
            )
            return try await connection.schemaVersion(of: component, logger: logger)
        }
        guard current <= component.latestVersion else {
            throw SagaStoreError(
                .schemaTooNew,
                "the database has \(component.name) schema version \(current), newer than the "
                    + "\(component.latestVersion) this program knows: upgrade the program"
            )
        }
        for migration in component.migrations where migration.version > current {
            try await transaction(begin: "BEGIN", logger: logger) { connection in
                try await connection.lockMigrations(logger: logger)
                // Another instance may have migrated between our read and our lock.
                guard try await connection.schemaVersion(of: component, logger: logger) < migration.version else { return }
                for statement in migration.statements {
                    try await connection.run(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.run(
                    """
                    INSERT INTO schema_migrations (component, version, name, applied_at)
                    VALUES (\(component.name), \(migration.version), \(migration.name), \(now))
                    """,
                    logger: logger
                )
                logger.info(
                    "applied schema migration",
                    metadata: [
                        "component": "\(component.name)", "version": "\(migration.version)",
                        "name": "\(migration.name)",
                    ]
                )
            }
        }
        return try await schemaVersion(of: component, logger: logger)
    }

    /// The newest applied migration of `component`, 0 if none.
    func schemaVersion(of component: SchemaComponent, logger: Logger) async throws -> Int {
        let rows = try await query(
            "SELECT coalesce(max(version), 0)::int8 FROM schema_migrations WHERE component = \(component.name)",
            logger: logger
        )
        for try await version in rows.decode(Int64.self) { return Int(version) }
        return 0
    }

    private func lockMigrations(logger: Logger) async throws {
        try await query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
    }
}

extension SchemaMigration {
    /// The migration's statements, one by one: PostgresNIO sends each query as one prepared
    /// statement, which may hold only one. A statement ends with a `;` at the end of a line.
    var statements: [String] {
        var statements: [String] = []
        var current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                statements.append(current)
                current = ""
            }
        }
        if !current.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { statements.append(current) }
        return statements
    }
}
