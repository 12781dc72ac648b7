import Foundation

extension PostgresConfiguration {
    /// Makes a configuration from a `postgres://` or `postgresql://` URL; what the URL leaves out
    /// comes from the environment as libpq takes it: `PGHOST` (a path starting with `/` is a Unix
    /// socket directory), `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`,
    /// `PGCONNECT_TIMEOUT` (seconds). Without either: `localhost`, port 5432, the user running the
    /// program, a database named as the user, no password, `sslmode=prefer`, 10 seconds.
    ///
    /// - Parameters:
    ///   - url: `postgres://[user[:password]@][host][:port][/database][?param=value&...]`, with the
    ///     parameters `host`, `port`, `user`, `password`, `dbname`, `sslmode` (`disable`, `prefer`,
    ///     `require`, `verify-full`) and `connect_timeout`.
    ///   - environment: The variables to read; the process's by default.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/invalidURL`` for a malformed URL or
    ///   variable; the message never contains the password.
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let parsed = try PostgresURL(url)
        func setting(_ fromURL: String?, _ variable: String) -> String? {
            if let fromURL, !fromURL.isEmpty { return fromURL }
            if let fromEnvironment = environment[variable], !fromEnvironment.isEmpty { return fromEnvironment }
            return nil
        }
        func invalid(_ reason: String) -> SagaStoreError {
            SagaStoreError(.invalidURL, "PostgreSQL store '\(SagaStoreURL.redacted(url))': \(reason)")
        }

        var port = parsed.port ?? 5432
        if parsed.port == nil, let text = environment["PGPORT"], !text.isEmpty {
            guard let value = PostgresURL.port(Substring(text)) else {
                throw invalid("PGPORT '\(text)' is not a number from 1 to 65535")
            }
            port = value
        }
        let host = setting(parsed.host, "PGHOST") ?? "localhost"
        let endpoint: Endpoint =
            host.hasPrefix("/") ? .unixSocket(path: "\(host)/.s.PGSQL.\(port)") : .tcp(host: host, port: port)
        let username = setting(parsed.username, "PGUSER") ?? Self.systemUserName()
        let database = setting(parsed.database, "PGDATABASE") ?? username
        // An empty password in the URL is a password; only an absent one falls back.
        let password = parsed.password ?? environment["PGPASSWORD"]

        let sslmode = setting(parsed.sslmode, "PGSSLMODE") ?? TLSMode.prefer.name
        guard let tls = TLSMode.all.first(where: { $0.name == sslmode }) else {
            throw invalid(
                "sslmode '\(sslmode)' is not supported (use \(TLSMode.all.map(\.name).joined(separator: ", ")))"
            )
        }
        var connectTimeout = Duration.seconds(10)
        if let text = setting(parsed.connectTimeout, "PGCONNECT_TIMEOUT") {
            guard let seconds = Int(text), seconds > 0 else {
                throw invalid("connect_timeout '\(text)' is not a whole number of seconds above 0")
            }
            connectTimeout = .seconds(seconds)
        }
        self.init(
            endpoint: endpoint, username: username, password: password, database: database, tls: tls,
            connectTimeout: connectTimeout
        )
    }

    /// The name of the user running the program, libpq's default role; `postgres` if unknown.
    private static func systemUserName() -> String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "postgres" }
        return String(cString: name)
    }
}
