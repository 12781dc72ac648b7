extension KafkaProducer {
    /// The partitions of `topic`, from a fresh metadata request on this producer's connection.
    ///
    /// Use the count with ``Partitioner/murmur2(key:partitionCount:)``. Calling it once per topic
    /// before the first send also spares that send a delay: with librdkafka 2.0.2 the first
    /// messages to a topic the producer has not seen yet can wait up to a second for the broker
    /// thread to pick up the topic's partitions.
    /// - Parameters:
    ///   - topic: the topic.
    ///   - timeout: the bound.
    /// - Throws: ``KafkaError`` when the request fails or the topic is unknown.
    public func partitions(of topic: String, timeout: Duration) async throws(KafkaError) -> [KafkaPartitionMetadata] {
        let handle = self.handle
        return try await runOnThread { () throws(KafkaError) in
            try readPartitions(handle.pointer, topic: topic, timeoutMs: Int32(clamping: timeout.wholeMilliseconds))
        }
    }

    /// Fetches the metadata of topics this producer has not sent to yet.
    ///
    /// librdkafka 2.0.2 can hold the first messages to a topic it has not seen for up to a second
    /// (the broker thread picks up the new partitions on its next one-second wake-up); once the
    /// partitions are known, sends go out at once. This costs one metadata round trip per topic (bounded by 500 ms),
    /// once per producer. A failure is ignored: librdkafka then learns the topic as usual.
    func warmUp(topicsOf messages: [KafkaProducerMessage]) async {
        var topics: [String] = []
        var last: String?
        for message in messages where message.topic != last {
            last = message.topic
            if !topics.contains(message.topic) { topics.append(message.topic) }
        }
        let unknown = lifecycle.withLock { state in topics.filter { !state.knownTopics.contains($0) } }
        for topic in unknown {
            _ = try? await partitions(of: topic, timeout: .milliseconds(500))
            lifecycle.withLock { _ = $0.knownTopics.insert(topic) }
        }
    }
}
