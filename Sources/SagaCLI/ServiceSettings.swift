import ArgumentParser
import Configuration
import SagaHTTP
import SagaRuntime

/// What `saga orchestrator` runs with: the orchestrator's settings (SagaRuntime's
/// ``OrchestratorSettings``) and the HTTP surface's (``SagaHTTPConfiguration``), read by key from
/// the flags, then the `SAGA_*` environment, then the `--config` file (swift-configuration
/// providers, in that order of precedence), plus what a key cannot hold: the librdkafka
/// properties (the file's `kafka` map, `SAGA_KAFKA_<PROPERTY>`, `-X`) and the API's tokens (the
/// file's `tokens`).
@dynamicMemberLookup
struct ServiceSettings {
    var orchestrator = OrchestratorSettings()
    var http = SagaHTTPConfiguration()

    subscript<Value>(dynamicMember path: KeyPath<OrchestratorSettings, Value>) -> Value {
        orchestrator[keyPath: path]
    }

    subscript<Value>(dynamicMember path: WritableKeyPath<OrchestratorSettings, Value>) -> Value {
        get { orchestrator[keyPath: path] }
        set { orchestrator[keyPath: path] = newValue }
    }

    /// Every key a file, a variable or a flag may set.
    static let keys: [SettingKey] = OrchestratorSettings.keys + SagaHTTPConfiguration.keys

    /// The `SAGA_*` variables `saga` reads that are not a setting's: the keys' own
    /// (``SettingKey/environmentName``) and `SAGA_KAFKA_<PROPERTY>` come on top.
    static let otherEnvironmentVariables: KeyValuePairs<String, String> = [
        "SAGA_STORE_URL": "the saga store URL; wins over SAGA_STORE (status and list read it too)",
        "SAGA_DEV_DIR": "the folder of saga dev whose client file the client commands read",
        "SAGA_BENCH_ORCHESTRATOR_LOG": "log level of the orchestrators saga-bench sagas starts",
        "SAGA_TEST_LOG": "log level of the in-process parts of the test suite",
    ]

    /// Every `SAGA_*` variable `saga` reads, with what it sets.
    static var environmentVariables: [(name: String, summary: String)] {
        keys.map { ($0.environmentName, "\($0.summary) (file key \($0.name), flag \($0.flag))") }
            + otherEnvironmentVariables.map { ($0.key, $0.value) }
    }

    /// The prefix of the variables that set a librdkafka property each.
    static let kafkaVariablePrefix = "SAGA_KAFKA_"

    /// Resolves the settings.
    /// - Parameters:
    ///   - file: the `--config` file, if any.
    ///   - environment: the process's environment.
    ///   - flags: the values given on the command line, by key, as text.
    ///   - listFlags: lists given on the command line as repeated flags, by key.
    ///   - properties: `-X key=value` flags.
    /// - Throws: `ValidationError` naming the file key, variable or flag that is wrong.
    static func resolve(
        file path: String?, environment: [String: String], flags: [SettingKey: String] = [:], listFlags: [SettingKey: [String]] = [:], properties: [String] = []
    ) throws -> ServiceSettings {
        try checkNames(in: environment)
        let file = try path.map { try SettingsFile(path: $0, keys: keys) }
        var given: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, text) in flags { given[AbsoluteConfigKey([key.name])] = ConfigValue(.string(text), isSecret: false) }
        for (key, list) in listFlags where !list.isEmpty { given[AbsoluteConfigKey([key.name])] = ConfigValue(.stringArray(list), isSecret: false) }
        var providers: [any ConfigProvider] = [InMemoryProvider(name: "flags", values: given)]
        let storeURL = environment["SAGA_STORE_URL"]
        if let storeURL {
            providers.append(InMemoryProvider(name: "SAGA_STORE_URL", values: [AbsoluteConfigKey([OrchestratorSettings.Keys.store.name]): ConfigValue(.string(storeURL), isSecret: true)]))
        }
        providers.append(KeyMappingProvider(upstream: EnvironmentVariablesProvider(environmentVariables: environment)) { $0.prepending(["saga"]) })
        if let file { providers.append(InMemoryProvider(name: path, values: file.values)) }
        let config = ConfigReader(providers: providers)

        var settings = ServiceSettings()
        do {
            settings.orchestrator = try OrchestratorSettings(config: config)
            settings.http = try SagaHTTPConfiguration(config: config)
        } catch let error as SettingError {
            let source: String
            if flags[error.key] != nil || listFlags[error.key] != nil {
                source = error.key.flag
            } else if error.key == OrchestratorSettings.Keys.store, storeURL != nil {
                source = "SAGA_STORE_URL"
            } else if environment[error.key.environmentName] != nil {
                source = error.key.environmentName
            } else {
                source = "'\(error.key.name)' in \(path ?? "the configuration")"
            }
            throw ValidationError("\(source) must be \(error.expected), got '\(error.value)'")
        }
        if let file {
            settings.kafka = file.kafka
            settings.http.tokens = file.tokens
        }
        for (name, value) in environment where name.hasPrefix(kafkaVariablePrefix) {
            settings.kafka[name.dropFirst(kafkaVariablePrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")] = value
        }
        for property in properties {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ValidationError("-X wants key=value, got '\(property)'")
            }
            settings.kafka[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        return settings
    }

    /// Fails on a `SAGA_*` variable that is neither a setting's, one of
    /// ``otherEnvironmentVariables``, nor a `SAGA_KAFKA_<PROPERTY>`: a misspelt one is not
    /// silently ignored.
    static func checkNames(in environment: [String: String]) throws {
        let known = Set(environmentVariables.map(\.name))
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
}
