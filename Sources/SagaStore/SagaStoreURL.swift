/// Where a store lives, parsed from configuration: `sqlite:PATH` (also `sqlite:///abs/path`) or
/// `postgres://user:password@host:port/database` (also `postgresql://`).
public struct SagaStoreURL: Sendable, Hashable, CustomStringConvertible {
    /// The kind of database.
    public struct Backend: Sendable, Hashable, CustomStringConvertible {
        private let name: String

        /// A local SQLite file.
        public static let sqlite = Backend(name: "sqlite")
        /// A PostgreSQL server.
        public static let postgres = Backend(name: "postgres")

        public var description: String { name }
    }

    /// The kind of database.
    public let backend: Backend
    /// For SQLite the file path; for PostgreSQL the whole URL as given.
    public let location: String

    /// Parses a store URL.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/invalidURL`` for an unknown scheme,
    ///   an empty path or a malformed PostgreSQL URL (the message never shows the password).
    public init(_ string: String) throws {
        if let rest = string.dropPrefix("sqlite:") {
            // `sqlite:///abs` is the URL spelling of `sqlite:/abs`.
            let path = rest.hasPrefix("//") ? String(rest.dropFirst(2)) : rest
            guard !path.isEmpty else {
                throw SagaStoreError(.invalidURL, "'\(string)' has no file path: write sqlite:PATH")
            }
            self.backend = .sqlite
            self.location = path
        } else if let rest = string.dropPrefix("postgres://") ?? string.dropPrefix("postgresql://") {
            guard !rest.isEmpty else {
                throw SagaStoreError(.invalidURL, "'\(string)' has no host: write postgres://user@host/database")
            }
            // Syntax only: what the URL leaves out comes from the environment when it is opened.
            _ = try PostgresURL(string)
            self.backend = .postgres
            self.location = string
        } else {
            throw SagaStoreError(
                .invalidURL,
                "'\(Self.redacted(string))' is not a store URL: write sqlite:PATH or postgres://user@host/database"
            )
        }
    }

    /// The URL with any password replaced by `***`, safe to log.
    public var description: String {
        backend == .sqlite ? "sqlite:\(location)" : Self.redacted(location)
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
