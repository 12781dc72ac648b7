import Configuration
import SagaRuntime
import Testing

/// The orchestrator's settings read through swift-configuration, as an application embedding the
/// orchestrator would read them from its own providers.
@Suite("OrchestratorSettings from a ConfigReader")
struct OrchestratorSettingsTests {
    private typealias K = OrchestratorSettings.Keys

    private func reader(_ values: [String: ConfigContent]) -> ConfigReader {
        ConfigReader(provider: InMemoryProvider(values: Dictionary(uniqueKeysWithValues: values.map {
            (AbsoluteConfigKey([$0.key]), ConfigValue($0.value, isSecret: false))
        })))
    }

    @Test("the settings a provider has are read; the others keep their defaults")
    func readsAndDefaults() throws {
        let settings = try OrchestratorSettings(config: reader([
            "bootstrapServers": .stringArray(["kafka-1:9092", "kafka-2:9092"]),
            "partitions": .string("12"),
            "createTopics": .string("false"),
            "retention": .string("3600"),
            "definitions": .string("/etc/saga/a.yaml, /etc/saga/b.yaml"),
        ]))
        #expect(settings.bootstrapServers == ["kafka-1:9092", "kafka-2:9092"])
        #expect(settings.partitions == 12)
        #expect(settings.createTopics == false)
        #expect(settings.definitions == ["/etc/saga/a.yaml", "/etc/saga/b.yaml"], "a list given as one text is split at commas")
        let defaults = OrchestratorSettings()
        #expect(settings.groupID == defaults.groupID)
        #expect(settings.maxActiveSagas == defaults.maxActiveSagas)
        let configuration = settings.configuration
        #expect(configuration.partitions == 12)
        #expect(configuration.retention == .seconds(3600))
        #expect(configuration.createTopics == false)
    }

    @Test("a value a setting cannot take is a SettingError naming the setting and what it must be", arguments: [
        ("partitions", "0", "a positive number"),
        ("maxActiveSagas", "many", "a positive number"),
        ("createTopics", "maybe", "true or false"),
        ("shutdownDrainTimeout", "-1", "a positive number"),
    ])
    func refusesBadValues(key: String, value: String, expected: String) {
        #expect {
            _ = try OrchestratorSettings(config: reader([key: .string(value)]))
        } throws: { error in
            guard let error = error as? SettingError else { return false }
            return error.key.name == key && error.value == value && error.expected == expected
        }
    }

    @Test("every key's environment name is the one swift-configuration's environment provider reads under `saga`")
    func environmentNamesMatchTheProvider() throws {
        for key in OrchestratorSettings.keys {
            let environment = EnvironmentVariablesProvider(environmentVariables: [key.environmentName: "7"])
            let config = ConfigReader(provider: KeyMappingProvider(upstream: environment) { $0.prepending(["saga"]) })
            #expect(config.text(key) == "7", "\(key.environmentName) is not where the provider looks for \(key.name)")
        }
        #expect(K.maxActiveSagas.environmentName == "SAGA_MAX_ACTIVE_SAGAS")
        #expect(K.maxActiveSagas.flag == "--max-active-sagas")
        #expect(K.groupId.environmentName == "SAGA_GROUP_ID")
        #expect(K.groupId.flag == "--group-id")
    }
}
