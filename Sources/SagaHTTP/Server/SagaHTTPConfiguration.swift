/// How the HTTP surface listens and what it accepts.
public struct SagaHTTPConfiguration: Sendable {
    /// A `HOST:PORT` to bind (port 0 takes a free one: see ``SagaHTTPServer/boundAddresses``).
    public struct Listener: Sendable, Hashable, CustomStringConvertible {
        /// The host or IP address.
        public var host: String
        /// The port; 0 lets the system pick one.
        public var port: Int

        /// A listener on `host:port`.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Whether only this machine can reach it.
        public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
    }

    /// The API (and console) listener; `nil` serves no API. Default `127.0.0.1:8080`.
    public var api: Listener?
    /// A separate listener for `/health`, `/ready` and `/metrics`; `nil` (the default) serves them
    /// on ``api``.
    public var ops: Listener?
    /// The largest request body accepted; a bigger one is answered 413. Default 1 MiB.
    public var maxBodyBytes = 1 << 20
    /// `/health` answers 503 once the orchestrator's loop has not turned for this long. Default 30 s
    /// (a turn waits at most the poll wait, 50 ms by default, plus a commit).
    public var livenessBound: Duration = .seconds(30)
    /// How long `/ready` waits for the store to answer. Default 2 s.
    public var storeTimeout: Duration = .seconds(2)
    /// The most `/v1/events` streams open at once (each reads the progress topic with a consumer
    /// of its own); one more is answered 503. Default 64.
    public var maxEventStreams = 64
    /// The consumer groups whose lag on the participants' command topics `GET /v1/cluster`
    /// reports, besides those the broker lists (a broker that cannot list groups, like the
    /// embedded one, shows only these). Default: none.
    public var participantGroups: [String] = []
    /// How long `GET /v1/cluster` reuses its Kafka answers (participant lag), so polling it does
    /// not load the broker. Default 5 s.
    public var clusterCacheTime: Duration = .seconds(5)
    /// The bearer tokens the API accepts; empty (the default) means no token is needed, which
    /// ``validate()`` allows on a loopback ``api`` listener only.
    public var tokens: [APIToken] = []

    /// Checks the configuration can be served safely.
    /// - Throws: ``SagaHTTPError`` when the API would listen beyond this machine with no token.
    public func validate() throws {
        if let api, !api.isLoopback, tokens.isEmpty {
            throw SagaHTTPError.configuration(
                "the API listener \(api) is reachable from other machines but no bearer tokens are configured: add 'tokens' to the config file (each with the sha256 of the token and a role, read or operate), or listen on a loopback address"
            )
        }
    }

    /// A configuration; see the properties for the defaults.
    public init(api: Listener? = Listener(host: "127.0.0.1", port: 8080), ops: Listener? = nil) {
        self.api = api
        self.ops = ops
    }
}
