import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A throwaway PostgreSQL server on loopback for tests, started from the Debian package's
/// binaries (`/usr/lib/postgresql/*/bin`, installed by `scripts/setup`).
///
/// ``shared()`` starts one per test process, lazily, and every test asks it for a fresh database
/// with ``makeDatabase()``. The server lives in a new temporary directory (data, Unix socket and
/// logs) and listens on a free TCP port of 127.0.0.1 with password authentication. It is stopped
/// and its directory removed when the process exits, and by a watchdog process if the test
/// process is killed. initdb and postgres refuse to run as root: as root they run as the
/// `postgres` user (`runuser`).
public final class PostgresTestServer: Sendable {
    /// How to start a server.
    public struct Options: Sendable {
        /// Whether the server syncs its writes to disk. Default `false`: fast, and a test server
        /// has nothing to lose; `true` for honest benchmark figures.
        public var fsync: Bool
        /// How long starting (initdb, then the server accepting logins) may take. Default 90 seconds.
        public var startTimeout: Duration

        /// Makes options; see the properties for the defaults.
        public init(fsync: Bool = false, startTimeout: Duration = .seconds(90)) {
            self.fsync = fsync
            self.startTimeout = startTimeout
        }
    }

    /// The address the server listens on.
    public let host = "127.0.0.1"
    /// The TCP port the server listens on.
    public let port: Int
    /// The superuser tests log in as.
    public let username = "saga"
    /// The superuser's password, random per server.
    public let password: String
    /// The server's temporary directory: `data/`, the Unix socket and `postgres.log`.
    public let directory: String
    private var dataDirectory: String { directory + "/data" }

    private init(port: Int, password: String, directory: String) {
        self.port = port
        self.password = password
        self.directory = directory
    }

    /// The server shared by every test of this process, started on first use.
    /// - Throws: ``PostgresTestServerError`` if it cannot start (the same error to every caller).
    public static func shared() async throws -> PostgresTestServer {
        try await SharedServer.instance.server()
    }

    /// Starts a server of one's own; ``stop()`` it when done (process exit stops it too).
    /// - Throws: ``PostgresTestServerError`` if the binaries are missing, initdb fails or the
    ///   server does not accept logins within ``Options/startTimeout``.
    public static func start(options: Options = Options()) async throws -> PostgresTestServer {
        let deadline = ContinuousClock.now + options.startTimeout
        let binaries = try findBinaries()
        let directory = try makeDirectory()
        do {
            let password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
            try await initialize(directory: directory, password: password, binaries: binaries, deadline: deadline)
            // A free port may be taken before the server binds it: try another.
            var attempt = 1
            while true {
                let server = PostgresTestServer(port: try freePort(), password: password, directory: directory)
                do {
                    try await server.run(binaries: binaries, options: options, deadline: deadline)
                    return server
                } catch let error as PostgresTestServerError where error.portInUse && attempt < 3 {
                    attempt += 1
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Creates an empty database and returns its URL (with the password and `sslmode=disable`).
    public func makeDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        do {
            let connection = try await connect(database: "postgres")
            do {
                // A generated name: nothing to escape.
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.quietLogger)
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw PostgresTestServerError("cannot create a test database: \(String(reflecting: error))")
        }
        return url(database: name)
    }

    /// The URL of a database on this server, with the password and `sslmode=disable`.
    public func url(database: String) -> String {
        "postgres://\(username):\(password)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Stops the server at once and removes its directory; stopping twice is fine.
    public func stop() async {
        Self.running.withLock { _ = $0.remove(directory) }
        if let pid = Self.shutDown(directory: directory) {
            for _ in 0..<200 where kill(pid, 0) == 0 {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let quietLogger = Logger(label: "saga.test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    private func connect(database: String) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable
        )
        // Loopback, but a loaded machine (a build beside the suite) took over 5 s to answer.
        configuration.options.connectTimeout = .seconds(30)
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Self.quietLogger)
    }
}

/// Why a ``PostgresTestServer`` could not start or serve.
public struct PostgresTestServerError: Error, CustomStringConvertible {
    /// What went wrong, with the server's log when it has one.
    public let description: String
    let portInUse: Bool

    init(_ description: String, portInUse: Bool = false) {
        self.description = description
        self.portInUse = portInUse
    }
}

// MARK: - Starting

extension PostgresTestServer {
    private struct Binaries {
        let directory: String
        /// `runuser -u postgres --` when running as root, else nothing.
        let prefix: [String]

        func command(_ name: String, _ arguments: [String]) -> [String] {
            prefix + [directory + "/" + name] + arguments
        }
    }

    private static func findBinaries() throws -> Binaries {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let candidates = versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
        guard
            let directory = candidates.first(where: {
                FileManager.default.isExecutableFile(atPath: $0 + "/initdb")
                    && FileManager.default.isExecutableFile(atPath: $0 + "/postgres")
            })
        else {
            throw PostgresTestServerError(
                "no PostgreSQL server in \(root)/*/bin: install the Debian package postgresql (scripts/setup does)"
            )
        }
        guard geteuid() == 0 else { return Binaries(directory: directory, prefix: []) }
        guard let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
            .first(where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw PostgresTestServerError("running as root, and runuser (to run PostgreSQL as 'postgres') is missing")
        }
        return Binaries(directory: directory, prefix: [runuser, "-u", "postgres", "--"])
    }

    /// A new private directory, owned by `postgres` when running as root.
    private static func makeDirectory() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/saga-postgres-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PostgresTestServerError("cannot make a temporary directory: errno \(errno)")
        }
        let directory = String(cString: made)
        if geteuid() == 0 {
            guard let user = getpwnam("postgres") else {
                try? FileManager.default.removeItem(atPath: directory)
                throw PostgresTestServerError(
                    "running as root, and there is no 'postgres' user (the Debian package postgresql makes it)"
                )
            }
            chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        return directory
    }

    private static func initialize(directory: String, password: String, binaries: Binaries, deadline: ContinuousClock.Instant) async throws {
        let passwordFile = directory + "/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        if geteuid() == 0, let user = getpwnam("postgres") {
            chown(passwordFile, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let log = directory + "/initdb.log"
        let status = try await runToEnd(
            binaries.command("initdb", [
                "-D", directory + "/data", "-U", "saga", "--pwfile=" + passwordFile, "--auth-host=scram-sha-256",
                "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ]),
            log: log, deadline: deadline
        )
        guard status == 0 else {
            throw PostgresTestServerError("initdb failed with status \(status):\n\(tail(of: log))")
        }
    }

    /// Starts `postgres` and its watchdog, and waits until it accepts a login.
    private func run(binaries: Binaries, options: Options, deadline: ContinuousClock.Instant) async throws {
        let log = directory + "/postgres.log"
        let settings = [
            "listen_addresses=127.0.0.1", "port=\(port)", "unix_socket_directories=\(directory)",
            "max_connections=300", "shared_buffers=128MB", "fsync=\(options.fsync ? "on" : "off")",
            "full_page_writes=\(options.fsync ? "on" : "off")",
        ]
        let server = try Self.spawn(
            binaries.command("postgres", ["-D", dataDirectory] + settings.flatMap { ["-c", $0] }), log: log
        )
        Self.running.withLock { _ = $0.insert(directory) }
        Self.registerExitHandler()
        try Self.startWatchdog(directory: directory)
        // The server tells no one it accepts logins: a login is tried until one works.
        do {
            try await poll("postgres to accept a login", within: max(deadline - .now, .zero), every: .milliseconds(100)) {
                if !server.isRunning {
                    Self.running.withLock { _ = $0.remove(directory) }
                    let text = Self.tail(of: log)
                    throw PostgresTestServerError(
                        "postgres exited with status \(server.terminationStatus):\n\(text)",
                        portInUse: text.contains("could not bind") || text.contains("Address already in use")
                    )
                }
                guard let connection = try? await connect(database: "postgres") else { return false }
                try? await connection.close()
                return true
            }
        } catch let timedOut as WaitTimedOut {
            await stop()
            throw PostgresTestServerError("\(timedOut):\n\(Self.tail(of: log))")
        }
    }

    /// A free TCP port on 127.0.0.1 (the kernel's pick for port 0).
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw PostgresTestServerError("cannot make a socket: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PostgresTestServerError("cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

// MARK: - Processes

extension PostgresTestServer {
    private static func spawn(_ command: [String], log: String) throws -> SpawnedProcess {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        guard let output = FileHandle(forWritingAtPath: log) else {
            throw PostgresTestServerError("cannot write \(log)")
        }
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            throw PostgresTestServerError("cannot run \(command[0]): \(error)")
        }
        try? output.close()
        return process
    }

    /// Runs a command to its end (or kills it at the deadline) and returns its exit status.
    private static func runToEnd(_ command: [String], log: String, deadline: ContinuousClock.Instant) async throws -> Int32 {
        let process = try spawn(command, log: log)
        // Woken by the exit.
        guard await process.exits(within: max(deadline - .now, .zero)) else {
            process.terminate()
            throw PostgresTestServerError("\(command.joined(separator: " ")) did not finish in time:\n\(tail(of: log))")
        }
        return process.terminationStatus
    }

    /// A shell that outlives this process: once it is gone (even killed), it stops the server and
    /// removes its directory. Its output goes nowhere, so it holds no pipe of the test runner open.
    private static func startWatchdog(directory: String) throws {
        let script = """
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            pid=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null) && kill -QUIT "$pid" 2>/dev/null
            for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
            rm -rf "$2"
            """
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "watchdog", "\(getpid())", directory]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PostgresTestServerError("cannot start the watchdog shell: \(error)")
        }
    }

    private static func tail(of log: String) -> String {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log at \(log))"
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}

// MARK: - Stopping

extension PostgresTestServer {
    /// The directories of servers this process started and has not stopped.
    private static let running = Mutex<Set<String>>([])
    private static let exitHandlerRegistered = Atomic<Bool>(false)

    private static func registerExitHandler() {
        guard !exitHandlerRegistered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        atexit {
            for directory in PostgresTestServer.running.withLock({ $0 }) {
                PostgresTestServer.stopAndRemove(directory: directory)
            }
        }
    }

    /// Waits up to 10 seconds for the server to exit after ``shutDown(directory:)``, then
    /// removes its directory; blocking, for the exit handler.
    private static func stopAndRemove(directory: String) {
        if let pid = shutDown(directory: directory) {
            for _ in 0..<200 where kill(pid, 0) == 0 {
                usleep(50_000)
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Asks the server to stop at once (SIGQUIT: an immediate shutdown, nothing worth keeping) and
    /// returns its process id, or `nil` if it is not running.
    private static func shutDown(directory: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
            let line = text.split(separator: "\n").first, let pid = pid_t(line), kill(pid, SIGQUIT) == 0
        else { return nil }
        return pid
    }
}

// MARK: - The shared server

/// Starts the shared server once; every caller awaits the same start.
private actor SharedServer {
    static let instance = SharedServer()
    private var starting: Task<PostgresTestServer, any Error>?

    func server() async throws -> PostgresTestServer {
        if let starting { return try await starting.value }
        // Unstructured: the start belongs to no one test, and is awaited by all.
        let task = Task { try await PostgresTestServer.start() }
        starting = task
        return try await task.value
    }
}
