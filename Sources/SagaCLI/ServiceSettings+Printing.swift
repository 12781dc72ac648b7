import SagaHTTP
import SagaRuntime
import SagaStore

extension ServiceSettings {
    /// The settings as `saga orchestrator --print-config` shows them: YAML in the configuration
    /// file's keys (so the output is itself a valid `--config` file), secrets masked.
    var printed: String {
        func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 { out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        }
        func list(_ values: [String]) -> String { "[" + values.map(quoted).joined(separator: ", ") + "]" }
        // The URL's password never shows: SagaStoreURL's description redacts it.
        let storeText = (try? SagaStoreURL(self.store)).map { "\($0)" } ?? self.store
        typealias K = OrchestratorSettings.Keys
        typealias H = SagaHTTPConfiguration.Keys
        var lines = [
            "# saga orchestrator: the settings in force (--config file < SAGA_* environment < flags); secrets are masked",
            "\(K.bootstrapServers.name): \(list(self.bootstrapServers))",
            "\(K.topicPrefix.name): \(quoted(self.topicPrefix))",
            "\(K.partitions.name): \(self.partitions)",
            "\(K.store.name): \(quoted(storeText))",
            "\(K.definitions.name): \(list(self.definitions))",
            "\(K.groupId.name): \(quoted(self.groupID))",
            "\(K.maxActiveSagas.name): \(self.maxActiveSagas)",
            "\(K.createTopics.name): \(self.createTopics)",
            "\(K.retention.name): \(self.retentionSeconds)",
            "\(K.purgeInterval.name): \(self.purgeIntervalSeconds)",
            "\(K.commandSentEvents.name): \(self.commandSentEvents)",
            "\(K.maxInputBytes.name): \(self.maxInputBytes)",
            "\(K.maxMessageBytes.name): \(self.maxMessageBytes)",
            "\(K.shutdownDrainTimeout.name): \(self.shutdownDrainSeconds)",
            "\(K.maxTimerDeferral.name): \(self.maxTimerDeferralSeconds)",
            "\(K.progressHistory.name): \(self.progressHistory)",
            "\(K.heartbeatInterval.name): \(self.heartbeatIntervalSeconds)",
            "\(K.otelEndpoint.name): \(quoted(self.otelEndpoint.isEmpty ? "off" : self.otelEndpoint))",
            "\(H.http.name): \(quoted(http.api.map { "\($0)" } ?? "off"))",
        ]
        if let ops = http.ops {
            lines.append("\(H.opsHttp.name): \(quoted("\(ops)"))")
        } else {
            lines.append("# opsHttp: not set, /health, /ready and /metrics are served on http")
        }
        lines.append("\(H.participantGroups.name): \(list(http.participantGroups))")
        if self.kafka.isEmpty {
            lines.append("kafka: {}")
        } else {
            lines.append("kafka:")
            for (key, value) in SecretMask.masked(self.kafka).sorted(by: { $0.key < $1.key }) {
                lines.append("  \(quoted(key)): \(quoted(value))")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
