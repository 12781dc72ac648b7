import ArgumentParser
import Foundation
import Kafka
import Logging
import SagaClient
import SagaRuntime

/// The options of the commands that talk to Kafka: the settings from the same places as
/// `saga orchestrator`'s (``SettingsOptions``), how long to wait for the cluster, and the
/// clients' log level.
struct ClusterOptions: ParsableArguments {
    @OptionGroup var sources: SettingsOptions

    @Option(help: "Seconds to wait for the Kafka cluster to answer before giving up.")
    var connectTimeout: Double = 10

    @Option(help: "Log level of the Kafka clients.")
    var logLevel: Logger.Level = .critical

    func validate() throws {
        guard connectTimeout > 0, connectTimeout <= 3600 else { throw ValidationError("--connect-timeout must be between 0 and 3600 seconds") }
        // The file, the environment and -X are checked here, so a problem gets this command's usage.
        _ = try resolve()
    }

    /// The settings in force, from the file, the environment and the flags.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClusterSettings {
        let settings = try sources.settings(environment: environment)
        guard !settings.bootstrapServers.isEmpty else { throw ValidationError("--bootstrap-servers must name at least one host:port") }
        var logger = Logger(label: "saga.cli") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        return ClusterSettings(
            bootstrapServers: settings.bootstrapServers,
            kafka: settings.kafka,
            topics: SagaTopics(prefix: settings.topicPrefix),
            connectTimeout: .milliseconds(Int64(connectTimeout * 1000)),
            logger: logger
        )
    }
}

/// Where the orchestrator's Kafka cluster is and how to talk to it, for operator commands.
struct ClusterSettings: Sendable {
    var bootstrapServers: [String]
    /// librdkafka properties given by the operator; they win over this tool's defaults.
    var kafka: [String: String]
    var topics: SagaTopics
    var connectTimeout: Duration
    var logger: Logger

    /// A producer that gives up on a message after `connectTimeout` plus 20 s.
    var producer: KafkaProducerConfiguration {
        var producer = KafkaProducerConfiguration(bootstrapServers: bootstrapServers)
        producer.clientID = "saga-cli"
        producer.linger = .milliseconds(1)
        producer.messageTimeout = connectTimeout + .seconds(20)
        producer.additionalProperties = kafka
        return producer
    }

    /// A consumer for assigned partitions: the group id is never joined.
    var consumer: KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: "saga-cli-\(UInt32.random(in: 0...UInt32.max))")
        consumer.clientID = "saga-cli"
        // A person waits for each line: a fetch with no data returns within 100 ms.
        consumer.fetchWaitMax = .milliseconds(100)
        consumer.additionalProperties = kafka
        return consumer
    }

    /// Runs `body` with a client on the commands topic and shuts the client down after.
    /// - Throws: what `body` throws; a Kafka error as the ``OperatorFailure`` it means.
    func withClient<T>(_ body: (SagaClient) async throws -> T) async throws -> T {
        let client = try SagaClient(producer: producer, commandsTopic: topics.commands, logger: logger)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw (error as? KafkaError).map { failure($0, topic: topics.commands) } ?? error
        }
    }

    /// Asks the cluster for the commands topic's metadata, within `connectTimeout`.
    /// - Throws: ``OperatorFailure`` with ``OperatorExit/unreachable`` when the cluster does not
    ///   answer, or a plain failure when the topic does not exist there.
    func checkReachable() async throws {
        var admin = KafkaAdminConfiguration(bootstrapServers: bootstrapServers)
        admin.clientID = "saga-cli"
        admin.additionalProperties = kafka
        let client: KafkaAdminClient
        do {
            client = try KafkaAdminClient(configuration: admin, logger: logger)
        } catch {
            throw ValidationError("the Kafka client refused its configuration: \(error.message)")
        }
        do {
            _ = try await client.partitions(of: topics.commands, timeout: connectTimeout)
        } catch {
            throw failure(error, topic: topics.commands)
        }
    }

    /// The failure to report for a Kafka error about `topic`.
    func failure(_ error: KafkaError, topic: String) -> OperatorFailure {
        if error.rdKafkaCodeName == "UNKNOWN_TOPIC_OR_PART" || error.rdKafkaCodeName == "_UNKNOWN_TOPIC" {
            return OperatorFailure("topic '\(topic)' does not exist on the Kafka cluster at \(servers): is the topic prefix right (--topic-prefix, SAGA_TOPIC_PREFIX)?")
        }
        if error.isTimeout || error.isMessageTimeout || error.rdKafkaCodeName == "_TRANSPORT" || error.rdKafkaCodeName == "_ALL_BROKERS_DOWN" {
            return OperatorFailure("cannot reach the Kafka cluster at \(servers) within \(connectTimeout.spoken) (\(error.message))", status: OperatorExit.unreachable)
        }
        return OperatorFailure("Kafka request about '\(topic)' failed at \(servers): \(error.message)")
    }

    private var servers: String { bootstrapServers.joined(separator: ",") }
}

extension Duration {
    /// Whole seconds, as `10 s`, for messages.
    var spoken: String { "\(components.seconds) s" }
}
