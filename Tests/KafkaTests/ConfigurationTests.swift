import Kafka
import KafkaTestKit
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("an unknown property is refused with librdkafka's message")
    func unknownProperty() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:9"])
        configuration.additionalProperties["no.such.property"] = "1"
        let (logger, _) = capturedLogger()
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
        }
        #expect(error?.isConfiguration == true)
        #expect(error?.message == "No such configuration property: \"no.such.property\"")
    }

    @Test("an invalid value is refused with librdkafka's message")
    func invalidValue() throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["127.0.0.1:9"], groupID: "g")
        configuration.additionalProperties["session.timeout.ms"] = "banana"
        let (logger, _) = capturedLogger()
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(configuration: configuration, logger: logger)
        }
        #expect(error?.message.contains("session.timeout.ms") == true)
        #expect(error?.message.hasPrefix("Invalid value") == true, "\(String(describing: error))")
    }

    @Test("a property of later librdkafka versions is refused")
    func laterVersionProperty() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:9"])
        configuration.additionalProperties["retry.backoff.max.ms"] = "1000"
        let (logger, _) = capturedLogger()
        #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
        }
    }

    @Test("an inconsistent combination is refused when the client is created")
    func inconsistentCombination() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:9"])
        configuration.acks = .leader  // the idempotent producer needs acks=all
        let (logger, _) = capturedLogger()
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: configuration, logger: logger)
        }
        #expect(error?.message.contains("acks") == true)
    }

    @Test("producer defaults: idempotent, acks=all, murmur2_random")
    func producerDefaults() {
        let properties = KafkaProducerConfiguration(bootstrapServers: ["a:1", "b:2"]).properties
        #expect(properties["bootstrap.servers"] == "a:1,b:2")
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        #expect(properties["partitioner"] == "murmur2_random")
    }

    @Test("the consumer never auto-commits or auto-stores, whatever the pass-through says")
    func consumerOffsetsStayManual() {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["a:1"], groupID: "g")
        configuration.additionalProperties = ["enable.auto.commit": "true", "enable.auto.offset.store": "true",
                                              "fetch.wait.max.ms": "7"]
        let properties = configuration.properties
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["fetch.wait.max.ms"] == "7")
    }
}
