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
/// Environment: `SAGA_BOOTSTRAP_SERVERS`, `SAGA_STORE`, `SAGA_DEFINITIONS` (comma-separated),
/// `SAGA_TOPIC_PREFIX`, `SAGA_PARTITIONS`, `SAGA_GROUP_ID`, `SAGA_MAX_ACTIVE_SAGAS`,
/// `SAGA_COMMAND_SENT_EVENTS` (`true` or `false`), `SAGA_HTTP`, `SAGA_OPS_HTTP`, and
/// `SAGA_KAFKA_<PROPERTY>` for any librdkafka property (`SAGA_KAFKA_SASL_MECHANISM` sets
/// `sasl.mechanism`).
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
        var http: String?
        var opsHttp: String?
        var tokens: [TokenEntry]?
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

    mutating func apply(environment: [String: String]) throws {
        func list(_ text: String) -> [String] { text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let v = environment["SAGA_BOOTSTRAP_SERVERS"] { bootstrapServers = list(v) }
        if let v = environment["SAGA_STORE"] { store = v }
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
