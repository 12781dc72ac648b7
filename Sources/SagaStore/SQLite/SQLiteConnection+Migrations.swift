import Logging

extension SQLiteConnection {
    /// Applies the migrations of `component` not yet recorded in `schema_migrations`, each in its
    /// own transaction, and returns the resulting version. Running it again changes nothing.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/schemaTooNew`` if the database has a
    ///   version this program does not know.
    @discardableResult
    func migrate(_ component: SchemaComponent, now: Int64, logger: Logger) throws -> Int {
        try execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                component TEXT NOT NULL,
                version INTEGER NOT NULL,
                name TEXT NOT NULL,
                applied_at INTEGER NOT NULL,
                PRIMARY KEY (component, version)
            ) WITHOUT ROWID
            """
        )
        let current = try schemaVersion(of: component)
        guard current <= component.latestVersion else {
            throw SagaStoreError(
                .schemaTooNew,
                "'\(path)' has \(component.name) schema version \(current), newer than the "
                    + "\(component.latestVersion) this program knows: upgrade the program"
            )
        }
        for migration in component.migrations where migration.version > current {
            try transaction(immediate: true) {
                // Another process may have migrated between our read and our write lock.
                guard try schemaVersion(of: component) < migration.version else { return }
                try execute(migration.sql)
                try withStatement(
                    "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)"
                ) { insert in
                    try insert.bind(component.name, at: 1)
                    try insert.bind(Int64(migration.version), at: 2)
                    try insert.bind(migration.name, at: 3)
                    try insert.bind(now, at: 4)
                    try insert.run()
                }
                logger.info(
                    "applied schema migration",
                    metadata: [
                        "component": "\(component.name)", "version": "\(migration.version)",
                        "name": "\(migration.name)",
                    ]
                )
            }
        }
        return try schemaVersion(of: component)
    }

    /// The newest applied migration of `component`, 0 if none.
    func schemaVersion(of component: SchemaComponent) throws -> Int {
        try withStatement("SELECT coalesce(max(version), 0) FROM schema_migrations WHERE component = ?") { select in
            try select.bind(component.name, at: 1)
            _ = try select.step()
            return Int(select.int64(0))
        }
    }
}
