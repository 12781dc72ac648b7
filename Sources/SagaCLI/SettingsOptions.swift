import ArgumentParser
import Foundation
import Logging
import SagaRuntime

/// Where the orchestrator's Kafka settings come from, shared by `saga orchestrator` and the
/// commands that talk to its cluster: `--config`, then the environment (`SAGA_BOOTSTRAP_SERVERS`,
/// `SAGA_TOPIC_PREFIX`, `SAGA_KAFKA_<PROPERTY>`, ...), then these flags.
struct SettingsOptions: ParsableArguments {
    @Option(help: "The orchestrator's YAML configuration file (operator commands use its bootstrapServers, kafka and topicPrefix).")
    var config: String?

    @Option(name: .customLong("bootstrap-servers"), help: "Kafka bootstrap servers, comma-separated (default: SAGA_BOOTSTRAP_SERVERS, else localhost:9092).")
    var bootstrapServers: String?

    @Option(help: "Prefix of the orchestrator's topic names (default: SAGA_TOPIC_PREFIX, else saga.).")
    var topicPrefix: String?

    @Option(name: .customShort("X"), help: "A librdkafka property, key=value; repeatable.")
    var properties: [String] = []

    /// The settings from the file, then `environment`, then these flags and `flags` (a command's
    /// own, by key). Without `--config`, `fallbackFile` (`saga dev`'s client file, for the client
    /// commands) stands in for it.
    /// - Throws: `ValidationError` naming the file key, variable or flag that is wrong.
    func settings(environment: [String: String], fallbackFile: String? = nil, flags: [SettingKey: String] = [:], listFlags: [SettingKey: [String]] = [:]) throws -> ServiceSettings {
        var given = flags
        given[OrchestratorSettings.Keys.bootstrapServers] = bootstrapServers
        given[OrchestratorSettings.Keys.topicPrefix] = topicPrefix
        return try ServiceSettings.resolve(file: config ?? fallbackFile, environment: environment, flags: given, listFlags: listFlags, properties: properties)
    }
}

// `--log-level` takes swift-log's level names, and its help lists them.
extension Logger.Level: @retroactive ExpressibleByArgument {}
