/// Where and how a PostgreSQL store connects: server, credentials, TLS and pool size.
///
/// Usually made from a store URL with ``init(url:environment:)``, which fills what the URL leaves
/// out from the `PG*` environment variables the way libpq does. ``description`` never shows the
/// password.
public struct PostgresConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Whether and how to use TLS, named as libpq's `sslmode`.
    public struct TLSMode: Sendable, Hashable, CustomStringConvertible {
        let name: String

        /// Plain TCP only.
        public static let disable = TLSMode(name: "disable")
        /// TLS if the server offers it, without checking its certificate; plain TCP otherwise
        /// (the default, as in libpq).
        public static let prefer = TLSMode(name: "prefer")
        /// TLS or fail, without checking the server's certificate.
        public static let require = TLSMode(name: "require")
        /// TLS or fail, with the certificate checked against the system's trust roots and the host name.
        public static let verifyFull = TLSMode(name: "verify-full")

        static let all: [TLSMode] = [.disable, .prefer, .require, .verifyFull]

        public var description: String { name }
    }

    /// Where the server listens.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Sendable, Hashable {
            case tcp(host: String, port: Int)
            case unixSocket(path: String)
        }

        let kind: Kind

        /// A TCP host name or address and port.
        public static func tcp(host: String, port: Int = 5432) -> Endpoint {
            Endpoint(kind: .tcp(host: host, port: port))
        }

        /// A Unix domain socket file (for example `/var/run/postgresql/.s.PGSQL.5432`).
        public static func unixSocket(path: String) -> Endpoint {
            Endpoint(kind: .unixSocket(path: path))
        }

        public var description: String {
            switch kind {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unixSocket(let path): path
            }
        }
    }

    /// Where the server listens. No default: see ``init(url:environment:)`` for the URL's.
    public var endpoint: Endpoint
    /// The role to log in as.
    public var username: String
    /// The password, or `nil` for none (trust or peer authentication).
    public var password: String?
    /// The database to open.
    public var database: String
    /// TLS use. Default ``TLSMode/prefer``.
    public var tls: TLSMode
    /// How long opening the store may take to reach the server and log in before it fails with
    /// ``SagaStoreError/Code/cannotOpen``; also the pool's connect timeout. Default 10 seconds.
    public var connectTimeout: Duration
    /// The most connections the store's pool opens. Default 10.
    public var maximumConnections: Int

    /// Makes a configuration; see the properties for the defaults.
    public init(
        endpoint: Endpoint,
        username: String,
        password: String?,
        database: String,
        tls: TLSMode = .prefer,
        connectTimeout: Duration = .seconds(10),
        maximumConnections: Int = 10
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.maximumConnections = maximumConnections
    }

    /// The server, role and database, with no password: safe to log.
    public var description: String {
        "postgres \(username)@\(endpoint)/\(database) (sslmode \(tls))"
    }
}
