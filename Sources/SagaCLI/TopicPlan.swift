import SagaCore
import SagaRuntime

/// The topics an orchestrator with given settings needs, with partition counts and configs, as
/// `saga orchestrator --print-topics` prints them for clusters that forbid auto-creation.
struct TopicPlan {
    /// One topic to create.
    struct Topic: Equatable {
        var name: String
        var partitions: Int32
        var configs: [(key: String, value: String)]
        /// Who writes and reads it, for the comment.
        var role: String

        static func == (lhs: Topic, rhs: Topic) -> Bool {
            lhs.name == rhs.name && lhs.partitions == rhs.partitions && lhs.configs.elementsEqual(rhs.configs, by: ==)
        }
    }

    /// Dead letters wait for an operator: kept at least this long (30 days).
    static let deadLetterRetentionSeconds: Int64 = 30 * 24 * 3600

    var topics: [Topic]

    /// - Parameters:
    ///   - settings: the orchestrator's settings (prefix, partitions, retention).
    ///   - participantTopics: the command topics the saga definitions name.
    init(settings: ServiceSettings, participantTopics: [String]) {
        let names = SagaTopics(prefix: settings.topicPrefix)
        let n = settings.partitions
        // Never compacted: every message of a saga shares its key, and compaction would keep
        // only a saga's last command, reply or event.
        func configs(retentionSeconds: Int64) -> [(key: String, value: String)] {
            [("cleanup.policy", "delete"), ("retention.ms", "\(retentionSeconds * 1000)")]
        }
        let retention = settings.retentionSeconds
        topics = [
            Topic(name: names.commands, partitions: n, configs: configs(retentionSeconds: retention),
                  role: "start commands and controls, keyed by saga id; exactly as many partitions as \(names.replies)"),
            Topic(name: names.replies, partitions: n, configs: configs(retentionSeconds: retention),
                  role: "participant replies, keyed by saga id; exactly as many partitions as \(names.commands)"),
            Topic(name: names.progress, partitions: n, configs: configs(retentionSeconds: retention),
                  role: "progress events for operators, watch and the console"),
            Topic(name: names.deadLetters, partitions: n, configs: configs(retentionSeconds: max(retention, Self.deadLetterRetentionSeconds)),
                  role: "messages that could not be processed, with the reason"),
        ]
        for topic in Set(participantTopics).sorted() {
            topics.append(Topic(name: topic, partitions: n, configs: configs(retentionSeconds: retention),
                                role: "a participant's command topic (named by a definition; any partition count works)"))
        }
    }

    /// One line per topic, `NAME PARTITIONS KEY=VALUE,...  # role`, after comment lines saying
    /// how to read them.
    var printed: String {
        let width = (topics.map(\.name.count).max() ?? 0) + 2
        var lines = [
            "# The topics `saga orchestrator` needs with these settings: name, partitions, topic configs.",
            "# Replication factor: the cluster's default (3 with min.insync.replicas=2 is the usual production choice;",
            "# the orchestrator and the participant SDK produce with acks=all).",
            "# retention.ms: inputs must outlive the longest outage of the orchestrators (offsets are kept in the store),",
            "# and no less than the saga retention (`retention`, here \(topics.first.map { $0.configs[1].value } ?? "?") ms).",
        ]
        for topic in topics {
            let name = topic.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let count = "\(topic.partitions)".padding(toLength: 4, withPad: " ", startingAt: 0)
            let configs = topic.configs.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            lines.append("\(name)\(count)\(configs)  # \(topic.role)")
        }
        return lines.joined(separator: "\n")
    }
}
