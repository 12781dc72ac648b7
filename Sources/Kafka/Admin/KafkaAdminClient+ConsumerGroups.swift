import CRdKafka
import Glibc

extension KafkaAdminClient {
    /// Lists the cluster's consumer groups (Kafka's ListGroups request, sent to every broker).
    ///
    /// librdkafka 2.0.2's mock cluster does not implement ListGroups: against the embedded broker
    /// this fails (or times out), so callers there name the groups they want to see instead.
    /// - Parameter timeout: the bound for the whole request.
    /// - Returns: the group ids, sorted.
    /// - Throws: ``KafkaError`` when the request fails or a broker answers with an error.
    public func listConsumerGroups(timeout: Duration) async throws(KafkaError) -> [String] {
        let handle = self.handle
        return try await thread.run { () throws(KafkaError) in
            try Self.listGroupsBlocking(handle.pointer, timeoutMs: Int32(clamping: timeout.wholeMilliseconds))
        }
    }

    /// The offsets `group` committed for `partitions` (Kafka's OffsetFetch request, through
    /// librdkafka's ListConsumerGroupOffsets), which the mock cluster answers.
    /// - Parameters:
    ///   - group: the consumer group id.
    ///   - partitions: the partitions to ask about.
    ///   - timeout: the bound for the whole request.
    /// - Returns: the committed offset (the next one the group reads) per partition; a partition
    ///   the group never committed is absent.
    /// - Throws: ``KafkaError`` when the request fails.
    public func committedOffsets(
        group: String, partitions: [KafkaTopicPartition], timeout: Duration
    ) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let handle = self.handle
        return try await thread.run { () throws(KafkaError) in
            try Self.committedBlocking(handle.pointer, group: group, partitions: partitions, timeoutMs: Int32(clamping: timeout.wholeMilliseconds))
        }
    }
    // MARK: - Blocking calls, on the admin client's I/O thread

    /// Sends one admin request on a queue of its own, waits for its result event and hands the
    /// event to `read`; the queue, the options and the event are freed here, whatever happens.
    private static func request<T>(
        _ rk: OpaquePointer, _ operation: rd_kafka_admin_op_t, name: String, timeoutMs: Int32,
        send: (OpaquePointer, OpaquePointer) -> Void, read: (OpaquePointer) throws(KafkaError) -> T
    ) throws(KafkaError) -> T {
        var errstr = [CChar](repeating: 0, count: 512)
        let queue = rd_kafka_queue_new(rk)!
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(rk, operation)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 1000) else {
            throw .timedOut("\(name): no answer")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw .admin(err, message: rd_kafka_event_error_string(event).map { String(cString: $0) } ?? "\(name) failed")
        }
        return try read(event)
    }

    private static func listGroupsBlocking(_ rk: OpaquePointer, timeoutMs: Int32) throws(KafkaError) -> [String] {
        try request(
            rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, name: "ListConsumerGroups", timeoutMs: timeoutMs,
            send: { options, queue in rd_kafka_ListConsumerGroups(rk, options, queue) },
            read: { event throws(KafkaError) in
                guard let result = rd_kafka_event_ListConsumerGroups_result(event) else {
                    throw .admin(RD_KAFKA_RESP_ERR__FAIL, message: "ListConsumerGroups: unexpected event")
                }
                var errorCount = 0
                if let errors = rd_kafka_ListConsumerGroups_result_errors(result, &errorCount), errorCount > 0, let first = errors[0] {
                    throw .admin(rd_kafka_error_code(first), message: "ListConsumerGroups: \(String(cString: rd_kafka_error_string(first)))")
                }
                var count = 0
                guard let listings = rd_kafka_ListConsumerGroups_result_valid(result, &count) else { return [] }
                return (0..<count).compactMap { index in
                    listings[index].map { String(cString: rd_kafka_ConsumerGroupListing_group_id($0)) }
                }.sorted()
            }
        )
    }
    private static func committedBlocking(
        _ rk: OpaquePointer, group: String, partitions: [KafkaTopicPartition], timeoutMs: Int32
    ) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let list = TopicPartitionList(partitions.map { ($0, KafkaOffset.invalid.rawValue) })
        guard let groupOffsets = rd_kafka_ListConsumerGroupOffsets_new(group, list.pointer) else {
            throw .invalidArgument("ListConsumerGroupOffsets for \(group)")
        }
        defer { rd_kafka_ListConsumerGroupOffsets_destroy(groupOffsets) }
        return try request(
            rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, name: "ListConsumerGroupOffsets", timeoutMs: timeoutMs,
            send: { options, queue in
                var requests: [OpaquePointer?] = [groupOffsets]
                requests.withUnsafeMutableBufferPointer { buffer in
                    rd_kafka_ListConsumerGroupOffsets(rk, buffer.baseAddress, 1, options, queue)
                }
            },
            read: { event throws(KafkaError) in
                guard let result = rd_kafka_event_ListConsumerGroupOffsets_result(event) else {
                    throw .admin(RD_KAFKA_RESP_ERR__FAIL, message: "ListConsumerGroupOffsets: unexpected event")
                }
                var count = 0
                guard let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count), count > 0, let first = groups[0] else {
                    return [:]
                }
                if let error = rd_kafka_group_result_error(first) {
                    throw .admin(rd_kafka_error_code(error), message: "ListConsumerGroupOffsets \(group): \(String(cString: rd_kafka_error_string(error)))")
                }
                var offsets: [KafkaTopicPartition: Int64] = [:]
                for (partition, offset, err) in TopicPartitionList.elements(of: rd_kafka_group_result_partitions(first))
                where err == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 {
                    offsets[partition] = offset
                }
                return offsets
            }
        )
    }
}
