import Kafka
import Logging
import SagaRuntime

/// How far the participants are behind on their command topics: for each topic a registered
/// definition names, the consumer groups reading it and their lag, asked of Kafka at most once
/// per ``SagaHTTPConfiguration/clusterCacheTime`` however often `/v1/cluster` is polled.
///
/// The groups are those the broker lists (ListGroups) plus ``SagaHTTPConfiguration/participantGroups``;
/// the embedded broker cannot list groups, so there only the configured ones show.
actor ParticipantLagReader {
    /// Why listing the groups was refused for good, once it was.
    private var listingRefused: String?

    struct PartitionLag: Encodable, Sendable {
        var partition: Int32
        var highWatermark: Int64
        var committed: Int64?
        var lag: Int64?
    }

    struct GroupLag: Encodable, Sendable {
        var groupId: String
        /// Messages not yet consumed, every partition with a committed offset; `nil` when the
        /// group committed nothing on the topic (a configured group that has not started).
        var lag: Int64?
        /// Whether it is one of ``SagaHTTPConfiguration/participantGroups``.
        var configured: Bool
        var partitions: [PartitionLag]
    }

    struct TopicLag: Encodable, Sendable {
        var topic: String
        /// The steps (`type@version/step`) that send commands to it.
        var steps: [String]
        /// Messages in the topic now (high watermarks summed); `nil` when it cannot be read.
        var messages: Int64?
        var groups: [GroupLag]
        var error: String?
    }

    struct Report: Encodable, Sendable {
        var topics: [TopicLag]
        /// Whether the broker listed its groups (the embedded one cannot).
        var groupsListed: Bool
        var listError: String?
        /// When Kafka was asked (ISO 8601).
        var readAt: String
    }

    private let orchestrator: Orchestrator
    private let configuration: SagaHTTPConfiguration
    private let logger: Logger
    private var client: KafkaAdminClient?
    private var cached: (report: Report, at: ContinuousClock.Instant)?

    init(orchestrator: Orchestrator, configuration: SagaHTTPConfiguration, logger: Logger) {
        self.orchestrator = orchestrator
        self.configuration = configuration
        self.logger = logger
    }

    /// The report, from the cache while it is fresh.
    func report() async -> Report {
        if let cached, ContinuousClock.now - cached.at < configuration.clusterCacheTime { return cached.report }
        let report = await read()
        cached = (report, .now)
        return report
    }

    private func admin() throws -> KafkaAdminClient {
        if let client { return client }
        let made = try KafkaAdminClient(configuration: orchestrator.adminConfiguration(clientID: "saga-http-cluster"), logger: logger)
        client = made
        return made
    }

    /// The participant topics of the registered definitions, each with the steps that use it.
    private var topics: [(topic: String, steps: [String])] {
        var steps: [String: [String]] = [:]
        let registry = orchestrator.definitions
        for version in registry.versions {
            guard let plan = registry.plan(type: version.type, version: version.version) else { continue }
            for step in plan.definition.steps {
                steps[step.topic, default: []].append("\(version.type)@\(version.version)/\(step.name)")
            }
        }
        return steps.keys.sorted().map { ($0, steps[$0] ?? []) }
    }

    private func read() async -> Report {
        let readAt = isoTime(Orchestrator.now)
        let client: KafkaAdminClient
        do {
            client = try admin()
        } catch {
            return Report(topics: topics.map { TopicLag(topic: $0.topic, steps: $0.steps, groups: [], error: "\(error)") },
                          groupsListed: false, listError: "\(error)", readAt: readAt)
        }
        var groups = Set(configuration.participantGroups)
        var listed = false
        var listError: String?
        if let refusal = listingRefused {
            listError = refusal
        } else {
            do {
                let own = orchestrator.settings.groupID
                for group in try await client.listConsumerGroups(timeout: .seconds(2)) where group != own && !group.hasPrefix("saga-http") {
                    groups.insert(group)
                }
                listed = true
            } catch {
                listError = "\(error)"
                // A broker without ListGroups (librdkafka's mock) is not asked again: the refusal
                // does not change, and librdkafka 2.0.2 was seen to hang in destroying a client
                // after such refused admin requests.
                if error.rdKafkaCodeName == "_UNSUPPORTED_FEATURE" { listingRefused = listError }
            }
        }
        var topicLags: [TopicLag] = []
        for (topic, steps) in topics {
            topicLags.append(await lag(of: topic, steps: steps, groups: groups.sorted(), client: client))
        }
        return Report(topics: topicLags, groupsListed: listed, listError: listError, readAt: readAt)
    }

    private func lag(of topic: String, steps: [String], groups: [String], client: KafkaAdminClient) async -> TopicLag {
        var result = TopicLag(topic: topic, steps: steps, groups: [])
        do {
            let partitions = try await client.partitions(of: topic, timeout: .seconds(2)).map { KafkaTopicPartition(topic: topic, partition: $0.partition) }
            var high: [Int32: Int64] = [:]
            for partition in partitions {
                high[partition.partition] = try await client.watermarks(of: partition, timeout: .seconds(2)).high
            }
            result.messages = high.values.reduce(0, +)
            for group in groups {
                let committed = try await client.committedOffsets(group: group, partitions: partitions, timeout: .seconds(2))
                // A listed group that never committed on this topic does not read it; a
                // configured one is shown all the same (it may not have started).
                let configured = configuration.participantGroups.contains(group)
                guard !committed.isEmpty || configured else { continue }
                let rows = partitions.map { partition in
                    let end = high[partition.partition] ?? 0
                    let offset = committed[partition]
                    return PartitionLag(
                        partition: partition.partition, highWatermark: end, committed: offset, lag: offset.map { max(0, end - $0) }
                    )
                }
                let lags = rows.compactMap(\.lag)
                result.groups.append(GroupLag(groupId: group, lag: lags.isEmpty ? nil : lags.reduce(0, +), configured: configured, partitions: rows))
            }
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}
