import ArgumentParser
import Foundation
import SagaHTTP
import SagaRuntime
import Yams

/// The orchestrator's settings from a YAML file, environment variables and flags, in rising
/// order of precedence.
///
/// File keys (all optional): `bootstrapServers` (list or comma-separated string), `kafka`
/// (librdkafka properties), `topicPrefix`, `partitions`, `store`, `definitions` (list),
/// `groupId`, `maxActiveSagas`, `createTopics`, `retention` (seconds), `commandSentEvents`,
/// `http` and `opsHttp` (listener addresses), `tokens` (the API's bearer tokens: a list of
/// `name`, `sha256` (hex SHA-256 of the token) and `role` (`read` or `operate`)).
/// Environment: the variables of ``environmentVariables`` and `SAGA_KAFKA_<PROPERTY>` for any
/// librdkafka property (`SAGA_KAFKA_SASL_MECHANISM` sets `sasl.mechanism`); any other `SAGA_*`
/// name is an error.
struct OrchestratorSettings {
    var bootstrapServers: [String] = ["localhost:9092"]
    var kafka: [String: String] = [:]
    var topicPrefix = SagaTopics.defaultPrefix
    var partitions: Int32 = 8
    var store = "sqlite:saga.sqlite"
    var definitions: [String] = []
    var groupID = "saga-orchestrator"
    var maxActiveSagas = 100_000
    var createTopics = true
    var retentionSeconds: Int64 = 7 * 24 * 3600
    var commandSentEvents = false
    /// See `OrchestratorConfiguration.maxInputBytes`.
    var maxInputBytes = 262_144
    /// See `OrchestratorConfiguration.maxMessageBytes`.
    var maxMessageBytes = 900_000
    /// See `OrchestratorConfiguration.shutdownDrainTimeout`, in seconds.
    var shutdownDrainSeconds: Int64 = 10
    /// See `OrchestratorConfiguration.maxTimerDeferral`, in seconds.
    var maxTimerDeferralSeconds: Int64 = 60
    /// The API and console listener; `nil` is `off`. Default `127.0.0.1:8080`.
    var http: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 8080)
    /// The listener for `/health`, `/ready` and `/metrics`; `nil` serves them on ``http``.
    var opsHTTP: ListenAddress?
    /// The API's bearer tokens (from the file only: a token is not a flag or a variable).
    var tokens: [APIToken] = []

    private struct TokenEntry: Decodable {
        var name: String?
        var sha256: String
        var role: String
    }

    private struct File: Decodable {
        var bootstrapServers: StringList?
        var kafka: [String: String]?
        var topicPrefix: String?
        var partitions: Int32?
        var store: String?
        var definitions: StringList?
        var groupId: String?
        var maxActiveSagas: Int?
        var createTopics: Bool?
        var retention: Int64?
        var commandSentEvents: Bool?
        var maxInputBytes: Int?
        var maxMessageBytes: Int?
        var shutdownDrainTimeout: Int64?
        var maxTimerDeferral: Int64?
        var http: String?
        var opsHttp: String?
        var tokens: [TokenEntry]?

        /// The keys a file may have: the names of the properties above (the decoder's keys).
        static var keys: Set<String> { Set(Mirror(reflecting: File()).children.compactMap(\.label)) }
    }

    /// A list written either as a YAML sequence or as one comma-separated string.
    private struct StringList: Decodable {
        var values: [String]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                values = list
            } else {
                values = try container.decode(String.self).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
    }

    mutating func apply(file path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("--config: cannot read '\(path)': \(error.localizedDescription)")
        }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch {
            throw ValidationError("--config: '\(path)' is not a valid configuration: \(error)")
        }
        // A misspelt key would otherwise be ignored without a word.
        if let keys = (try? Yams.load(yaml: text) as? [String: Any])?.keys {
            let known = File.keys
            if let unknown = keys.sorted().first(where: { !known.contains($0) }) {
                throw ValidationError("--config: '\(path)' has an unknown key '\(unknown)': the keys are \(known.sorted().joined(separator: ", "))")
            }
        }
        if let v = file.bootstrapServers?.values { bootstrapServers = v }
        if let v = file.kafka { kafka.merge(v) { _, new in new } }
        if let v = file.topicPrefix { topicPrefix = v }
        if let v = file.partitions { partitions = v }
        if let v = file.store { store = v }
        if let v = file.definitions?.values { definitions = v }
        if let v = file.groupId { groupID = v }
        if let v = file.maxActiveSagas { maxActiveSagas = v }
        if let v = file.createTopics { createTopics = v }
        if let v = file.retention { retentionSeconds = v }
        if let v = file.commandSentEvents { commandSentEvents = v }
        if let v = file.maxInputBytes { maxInputBytes = try Self.positive(v, "'maxInputBytes' in \(path)") }
        if let v = file.maxMessageBytes { maxMessageBytes = try Self.positive(v, "'maxMessageBytes' in \(path)") }
        if let v = file.shutdownDrainTimeout { shutdownDrainSeconds = Int64(try Self.positive(Int(v), "'shutdownDrainTimeout' in \(path)")) }
        if let v = file.maxTimerDeferral { maxTimerDeferralSeconds = Int64(try Self.positive(Int(v), "'maxTimerDeferral' in \(path)")) }
        if let v = file.http { http = try ListenAddress.parse(v, source: "'http' in \(path)") }
        if let v = file.opsHttp { opsHTTP = try ListenAddress.parse(v, source: "'opsHttp' in \(path)") }
        if let entries = file.tokens {
            tokens = try entries.enumerated().map { index, entry in
                let name = entry.name ?? "tokens[\(index)]"
                guard let role = APIToken.Role(name: entry.role) else {
                    throw ValidationError("--config: '\(path)': tokens[\(index)].role must be read or operate, got '\(entry.role)'")
                }
                do {
                    return try APIToken(name: name, sha256Hex: entry.sha256.lowercased(), role: role)
                } catch {
                    throw ValidationError("--config: '\(path)': tokens[\(index)]: \(error)")
                }
            }
        }
    }

    /// Every `SAGA_*` environment variable `saga` reads, with what it sets; any other `SAGA_*`
    /// name (but `SAGA_KAFKA_<PROPERTY>`) is an error, so a misspelt one is not silently ignored.
    /// Keep it next to ``apply(environment:)``, which reads them.
    static let environmentVariables: KeyValuePairs<String, String> = [
        "SAGA_BOOTSTRAP_SERVERS": "Kafka bootstrap servers, comma-separated (file key bootstrapServers)",
        "SAGA_STORE": "the saga store URL (file key store)",
        "SAGA_STORE_URL": "the saga store URL; wins over SAGA_STORE (status and list read it too)",
        "SAGA_DEFINITIONS": "saga definition files or directories, comma-separated (file key definitions)",
        "SAGA_TOPIC_PREFIX": "prefix of the orchestrator's topics (file key topicPrefix)",
        "SAGA_PARTITIONS": "partitions of the commands and replies topics (file key partitions)",
        "SAGA_GROUP_ID": "the orchestrators' consumer group (file key groupId)",
        "SAGA_MAX_ACTIVE_SAGAS": "bound on active sagas per instance (file key maxActiveSagas)",
        "SAGA_CREATE_TOPICS": "true or false: create missing topics at start (file key createTopics)",
        "SAGA_RETENTION": "seconds finished sagas are kept (file key retention)",
        "SAGA_COMMAND_SENT_EVENTS": "true or false (file key commandSentEvents)",
        "SAGA_MAX_INPUT_BYTES": "the largest input accepted, in bytes (file key maxInputBytes)",
        "SAGA_MAX_MESSAGE_BYTES": "the largest message published, in bytes (file key maxMessageBytes)",
        "SAGA_SHUTDOWN_DRAIN_TIMEOUT": "seconds a graceful shutdown spends publishing (file key shutdownDrainTimeout)",
        "SAGA_MAX_TIMER_DEFERRAL": "seconds a timeout may wait for unread replies (file key maxTimerDeferral)",
        "SAGA_HTTP": "the API and console listener, HOST:PORT or off (file key http)",
        "SAGA_OPS_HTTP": "the /health, /ready and /metrics listener, HOST:PORT (file key opsHttp)",
        "SAGA_BENCH_ORCHESTRATOR_LOG": "log level of the orchestrators saga-bench sagas starts",
        "SAGA_TEST_LOG": "log level of the in-process parts of the test suite",
    ]

    /// The prefix of the variables that set a librdkafka property each.
    static let kafkaVariablePrefix = "SAGA_KAFKA_"

    /// Fails on a `SAGA_*` variable that is not one of ``environmentVariables`` or a
    /// `SAGA_KAFKA_<PROPERTY>`.
    static func checkNames(in environment: [String: String]) throws {
        let known = Set(environmentVariables.map(\.key))
        for name in environment.keys.sorted() where name.hasPrefix("SAGA_") && !known.contains(name) {
            if name.hasPrefix(kafkaVariablePrefix) {
                guard name.count > kafkaVariablePrefix.count else {
                    throw ValidationError("environment variable \(name) names no librdkafka property: write SAGA_KAFKA_<PROPERTY>, e.g. SAGA_KAFKA_SECURITY_PROTOCOL")
                }
                continue
            }
            throw ValidationError(
                "unknown environment variable \(name): the known ones are \(known.sorted().joined(separator: ", ")) and SAGA_KAFKA_<PROPERTY> for librdkafka properties"
            )
        }
    }

    mutating func apply(environment: [String: String]) throws {
        try Self.checkNames(in: environment)
        func list(_ text: String) -> [String] { text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let v = environment["SAGA_BOOTSTRAP_SERVERS"] { bootstrapServers = list(v) }
        if let v = environment["SAGA_STORE_URL"] ?? environment["SAGA_STORE"] { store = v }
        if let v = environment["SAGA_DEFINITIONS"] { definitions = list(v) }
        if let v = environment["SAGA_TOPIC_PREFIX"] { topicPrefix = v }
        if let v = environment["SAGA_GROUP_ID"] { groupID = v }
        if let v = environment["SAGA_PARTITIONS"] {
            guard let n = Int32(v), n > 0 else { throw ValidationError("SAGA_PARTITIONS must be a positive number, got '\(v)'") }
            partitions = n
        }
        if let v = environment["SAGA_MAX_ACTIVE_SAGAS"] {
            guard let n = Int(v), n > 0 else { throw ValidationError("SAGA_MAX_ACTIVE_SAGAS must be a positive number, got '\(v)'") }
            maxActiveSagas = n
        }
        if let v = environment["SAGA_CREATE_TOPICS"] {
            guard let flag = Bool(v) else { throw ValidationError("SAGA_CREATE_TOPICS must be true or false, got '\(v)'") }
            createTopics = flag
        }
        if let v = environment["SAGA_RETENTION"] {
            guard let n = Int64(v), n > 0 else { throw ValidationError("SAGA_RETENTION must be a positive number of seconds, got '\(v)'") }
            retentionSeconds = n
        }
        if let v = environment["SAGA_MAX_INPUT_BYTES"] { maxInputBytes = try Self.positive(Int(v), "SAGA_MAX_INPUT_BYTES", text: v) }
        if let v = environment["SAGA_MAX_MESSAGE_BYTES"] { maxMessageBytes = try Self.positive(Int(v), "SAGA_MAX_MESSAGE_BYTES", text: v) }
        if let v = environment["SAGA_SHUTDOWN_DRAIN_TIMEOUT"] { shutdownDrainSeconds = Int64(try Self.positive(Int(v), "SAGA_SHUTDOWN_DRAIN_TIMEOUT", text: v)) }
        if let v = environment["SAGA_MAX_TIMER_DEFERRAL"] { maxTimerDeferralSeconds = Int64(try Self.positive(Int(v), "SAGA_MAX_TIMER_DEFERRAL", text: v)) }
        if let v = environment["SAGA_COMMAND_SENT_EVENTS"] {
            guard let flag = Bool(v) else { throw ValidationError("SAGA_COMMAND_SENT_EVENTS must be true or false, got '\(v)'") }
            commandSentEvents = flag
        }
        if let v = environment["SAGA_HTTP"] { http = try ListenAddress.parse(v, source: "SAGA_HTTP") }
        if let v = environment["SAGA_OPS_HTTP"] { opsHTTP = try ListenAddress.parse(v, source: "SAGA_OPS_HTTP") }
        for (name, value) in environment where name.hasPrefix("SAGA_KAFKA_") {
            let property = name.dropFirst("SAGA_KAFKA_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            kafka[property] = value
        }
    }

    /// Parses `-X key=value` flags.
    mutating func apply(properties: [String]) throws {
        for property in properties {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ValidationError("-X wants key=value, got '\(property)'")
            }
            kafka[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
    }

    /// A positive number, or a `ValidationError` naming where it came from.
    private static func positive(_ value: Int?, _ source: String, text: String? = nil) throws -> Int {
        guard let value, value > 0 else {
            throw ValidationError("\(source) must be a positive number, got '\(text ?? value.map(String.init) ?? "")'")
        }
        return value
    }

    var configuration: OrchestratorConfiguration {
        var configuration = OrchestratorConfiguration(bootstrapServers: bootstrapServers)
        configuration.kafkaProperties = kafka
        configuration.topics = SagaTopics(prefix: topicPrefix)
        configuration.partitions = partitions
        configuration.groupID = groupID
        configuration.maxActiveSagas = maxActiveSagas
        configuration.createTopics = createTopics
        configuration.retention = .seconds(retentionSeconds)
        configuration.commandSentEvents = commandSentEvents
        configuration.maxInputBytes = maxInputBytes
        configuration.maxMessageBytes = maxMessageBytes
        configuration.shutdownDrainTimeout = .seconds(shutdownDrainSeconds)
        configuration.maxTimerDeferral = .seconds(maxTimerDeferralSeconds)
        return configuration
    }
}

extension OrchestratorSettings {
    /// The HTTP surface's listeners, as ``SagaHTTPServer`` takes them.
    var httpConfiguration: SagaHTTPConfiguration {
        var configuration = SagaHTTPConfiguration(
            api: http.map { SagaHTTPConfiguration.Listener(host: $0.host, port: $0.port) },
            ops: opsHTTP.map { SagaHTTPConfiguration.Listener(host: $0.host, port: $0.port) }
        )
        configuration.tokens = tokens
        return configuration
    }
}
