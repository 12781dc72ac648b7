import SagaStore

extension OrchestratorSettings {
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
        let storeText = (try? SagaStoreURL(store)).map { "\($0)" } ?? store
        var lines = [
            "# saga orchestrator: the settings in force (--config file < SAGA_* environment < flags); secrets are masked",
            "bootstrapServers: \(list(bootstrapServers))",
            "topicPrefix: \(quoted(topicPrefix))",
            "partitions: \(partitions)",
            "store: \(quoted(storeText))",
            "definitions: \(list(definitions))",
            "groupId: \(quoted(groupID))",
            "maxActiveSagas: \(maxActiveSagas)",
            "createTopics: \(createTopics)",
            "retention: \(retentionSeconds)",
            "commandSentEvents: \(commandSentEvents)",
            "maxInputBytes: \(maxInputBytes)",
            "maxMessageBytes: \(maxMessageBytes)",
            "shutdownDrainTimeout: \(shutdownDrainSeconds)",
            "maxTimerDeferral: \(maxTimerDeferralSeconds)",
            "http: \(quoted(http.map { "\($0)" } ?? "off"))",
        ]
        if let opsHTTP {
            lines.append("opsHttp: \(quoted("\(opsHTTP)"))")
        } else {
            lines.append("# opsHttp: not set, /health, /ready and /metrics are served on http")
        }
        if kafka.isEmpty {
            lines.append("kafka: {}")
        } else {
            lines.append("kafka:")
            for (key, value) in SecretMask.masked(kafka).sorted(by: { $0.key < $1.key }) {
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
