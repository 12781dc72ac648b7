import SagaStore
import Testing

@Suite("PostgreSQL store URL and environment")
struct PostgresConfigurationTests {
    @Test func aFullURLNamesEverything() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://saga:s3cret@db.example:6543/orders?sslmode=require&connect_timeout=3",
            environment: ["PGUSER": "ignored", "PGPASSWORD": "ignored", "PGHOST": "ignored", "PGDATABASE": "ignored"]
        )
        #expect(configuration.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(configuration.username == "saga")
        #expect(configuration.password == "s3cret")
        #expect(configuration.database == "orders")
        #expect(configuration.tls == .require)
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(!configuration.description.contains("s3cret"))
        #expect(configuration.description.contains("saga@db.example:6543/orders"))
    }

    @Test func theEnvironmentFillsWhatTheURLLeavesOut() throws {
        let configuration = try PostgresConfiguration(
            url: "postgres:///",
            environment: [
                "PGHOST": "10.0.0.7", "PGPORT": "5433", "PGUSER": "app", "PGPASSWORD": "from-env",
                "PGDATABASE": "sagas", "PGSSLMODE": "disable", "PGCONNECT_TIMEOUT": "4",
            ]
        )
        #expect(configuration.endpoint == .tcp(host: "10.0.0.7", port: 5433))
        #expect(configuration.username == "app")
        #expect(configuration.password == "from-env")
        #expect(configuration.database == "sagas")
        #expect(configuration.tls == .disable)
        #expect(configuration.connectTimeout == .seconds(4))
    }

    @Test func defaultsAreLibpqs() throws {
        let configuration = try PostgresConfiguration(url: "postgres://localhost", environment: ["PGUSER": "me"])
        #expect(configuration.endpoint == .tcp(host: "localhost", port: 5432))
        #expect(configuration.database == "me")
        #expect(configuration.password == nil)
        #expect(configuration.tls == .prefer)
        #expect(configuration.connectTimeout == .seconds(10))
    }

    @Test func escapesIPv6AndUnixSockets() throws {
        let escaped = try PostgresConfiguration(
            url: "postgres://us%40er:p%40ss%2Fword@[::1]:5000/my%20db", environment: [:]
        )
        #expect(escaped.username == "us@er")
        #expect(escaped.password == "p@ss/word")
        #expect(escaped.endpoint == .tcp(host: "::1", port: 5000))
        #expect(escaped.database == "my db")
        // An unescaped '@' in the password is tolerated: the last one ends the user part.
        #expect(try PostgresConfiguration(url: "postgres://u:a@b@h/d", environment: [:]).password == "a@b")

        let socket = try PostgresConfiguration(url: "postgres://u@%2Fvar%2Frun%2Fpostgresql/d", environment: [:])
        #expect(socket.endpoint == .unixSocket(path: "/var/run/postgresql/.s.PGSQL.5432"))
        let socketFromEnvironment = try PostgresConfiguration(
            url: "postgres://u@/d", environment: ["PGHOST": "/tmp/pg", "PGPORT": "7000"]
        )
        #expect(socketFromEnvironment.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.7000"))
    }

    @Test(arguments: [
        ("postgres://u:secret-1@h:99999/d", "port"),
        ("postgres://u:secret-1@h:abc/d", "port"),
        ("postgres://u:secret-1@h1,h2/d", "several hosts"),
        ("postgres://u:secret-1@[::1/d", "IPv6"),
        ("postgres://u:secret-1@h/d?sslmode=verify-ca", "sslmode"),
        ("postgres://u:secret-1@h/d?connect_timeout=0", "connect_timeout"),
        ("postgres://u:secret-1@h/d?colour=blue", "unknown parameter"),
        ("postgres://u:secret-1@h/d%zz", "%-escape"),
        ("postgres://u@h/d?password=secret-1&sslmode=bad", "sslmode"),
    ])
    func badURLsAreRefusedWithoutShowingThePassword(_ url: String, _ reason: String) {
        let error = #expect(throws: SagaStoreError.self) { try PostgresConfiguration(url: url, environment: [:]) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains(reason) == true)
        #expect(error.map { "\($0)" }?.contains("secret-1") == false)
    }

    @Test func aBadEnvironmentVariableIsNamed() {
        let error = #expect(throws: SagaStoreError.self) {
            try PostgresConfiguration(url: "postgres://h/d", environment: ["PGPORT": "none"])
        }
        #expect(error?.message.contains("PGPORT") == true)
    }

    @Test(arguments: [
        ("postgres://saga:pw@db/x", "postgres://saga:***@db/x"),
        ("postgres://saga:p@ss@db/x", "postgres://saga:***@db/x"),
        ("postgres://db/x?password=pw&sslmode=disable", "postgres://db/x?password=***&sslmode=disable"),
        ("postgresql://saga@db/x", "postgresql://saga@db/x"),
    ])
    func storeURLsHideThePassword(_ text: String, _ shown: String) throws {
        let url = try SagaStoreURL(text)
        #expect(url.backend == .postgres)
        #expect(url.description == shown)
    }
}
