import Kafka
import KafkaTestKit
import Testing

@Suite("murmur2 partitioner")
struct PartitionerTests {
    /// Java's `Utils.murmur2` results as published by other clients' test suites: librdkafka's
    /// `rdmurmur2.c` unit test (labelled as Java results) and kafkajs's `defaultJava` partitioner
    /// test (generated with the Java client).
    static let javaHashes: [(String, UInt32)] = [
        ("kafka", 0xd067_cf64),
        ("giberish123456789", 0x8f55_2b0c),
        ("1234", 0x9fc9_7b14),
        ("234", 0xe7c0_09ca),
        ("34", 0x8739_30da),
        ("4", 0x5a4b_5ca1),
        ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x7842_4f1c),
        ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62_b377),
        ("0", UInt32(bitPattern: 971_027_396)),
        ("1", UInt32(bitPattern: -1_993_445_489)),
        ("128", UInt32(bitPattern: -326_012_175)),
        ("2187", UInt32(bitPattern: -1_508_407_203)),
        ("16384", UInt32(bitPattern: -325_739_742)),
        ("78125", UInt32(bitPattern: -1_654_490_814)),
        ("279936", UInt32(bitPattern: 1_462_227_128)),
        ("823543", UInt32(bitPattern: -2_014_198_330)),
        ("2097152", UInt32(bitPattern: 607_668_903)),
        ("4782969", UInt32(bitPattern: -1_182_699_775)),
        ("10000000", UInt32(bitPattern: -1_830_336_757)),
        ("100:48069", UInt32(bitPattern: 1_009_543_857)),
    ]

    @Test("murmur2 matches the Java client's hash", arguments: javaHashes)
    func javaHash(key: String, expected: UInt32) {
        #expect(Partitioner.murmur2Hash(Array(key.utf8)) == expected)
    }

    /// Key → partition as the Java client computes it, `toPositive(murmur2(key)) % n`, worked
    /// out from the published hashes above (e.g. "kafka": 0x5067cf64 = 1348980580).
    @Test("key to partition follows toPositive(murmur2) % n")
    func keyToPartition() {
        #expect(Partitioner.murmur2(key: "kafka", partitionCount: 10) == 0)   // 1348980580 % 10
        #expect(Partitioner.murmur2(key: "kafka", partitionCount: 7) == 1348980580 % 7)
        #expect(Partitioner.murmur2(key: "0", partitionCount: 12) == 971027396 % 12)
        // Negative Java hash: toPositive clears the sign bit (-1993445489 & 0x7fffffff = 154038159).
        #expect(Partitioner.murmur2(key: "1", partitionCount: 100) == 59)
        #expect(Partitioner.murmur2(key: "128", partitionCount: 3) == Int32((UInt32(bitPattern: -326_012_175) & 0x7fff_ffff) % 3))
        #expect(Partitioner.murmur2(key: "", partitionCount: 4) == Int32(Partitioner.murmur2Hash([]) & 0x7fff_ffff) % 4)
    }

    @Test("librdkafka's murmur2_random puts each key where the Swift function says", .timeLimit(.minutes(1)))
    func matchesLibrdkafka() async throws {
        try await withBroker { broker, logger in
            let topic = uniqueName("partitioner")
            let partitions: Int32 = 7
            try await broker.createTopic(topic, partitions: partitions)
            let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: logger)
            let keys = (0..<200).map { "saga-\($0)" } + Self.javaHashes.map(\.0)
            let results = await producer.send(keys.map { KafkaProducerMessage(topic: topic, key: $0, value: "v") })
            for (key, result) in zip(keys, results) {
                let report = try result.get()
                #expect(report.partition == Partitioner.murmur2(key: key, partitionCount: partitions), "key \(key)")
            }
            await producer.shutdown()
        }
    }
}
