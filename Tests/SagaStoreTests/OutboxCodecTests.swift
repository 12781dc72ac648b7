@testable import SagaStore
import Testing

@Suite("Outbox header codec")
struct OutboxHeaderCodecTests {
    @Test func headersRoundTripInOrderWithRepeatsAndNoValues() throws {
        let headers = [
            OutboxHeader(name: "traceparent", value: Array("00-abc-def-01".utf8)),
            OutboxHeader(name: "x", value: nil),
            OutboxHeader(name: "x", value: []),
            OutboxHeader(name: "", value: [0, 255]),
        ]
        #expect(try OutboxHeaderCodec.decode(OutboxHeaderCodec.encode(headers)) == headers)
        #expect(OutboxHeaderCodec.encode([]) == [])
        #expect(try OutboxHeaderCodec.decode([]) == [])
    }

    @Test func aTruncatedBlobIsACorruptRow() {
        let encoded = OutboxHeaderCodec.encode([OutboxHeader(name: "name", value: [1, 2, 3])])
        for length in 1..<encoded.count {
            let error = #expect(throws: SagaStoreError.self) { try OutboxHeaderCodec.decode(Array(encoded.prefix(length))) }
            #expect(error?.code == .corruptRow)
        }
        let error = #expect(throws: SagaStoreError.self) { try OutboxHeaderCodec.decode(encoded + [0]) }
        #expect(error?.code == .corruptRow)
    }
}

@Suite("Outbox batch codec")
struct OutboxBatchCodecTests {
    static let messages = [
        OutboxMessage(
            topic: "participant.payments", partition: 7, key: Array("saga-1".utf8), value: Array("{}".utf8),
            headers: [OutboxHeader(name: "type", value: Array("pending".utf8)), OutboxHeader(name: "x", value: nil)],
            createdAt: 1_700_000_000_123
        ),
        OutboxMessage(topic: "saga.progress", key: nil, value: nil, createdAt: -1),
        OutboxMessage(topic: "", partition: 0, key: [], value: [], headers: [OutboxHeader(name: "", value: [])], createdAt: 0),
    ]

    @Test func messagesRoundTripWithEveryOptionalPart() throws {
        #expect(try OutboxBatchCodec.decode(OutboxBatchCodec.encode(Self.messages), expectedCount: 3) == Self.messages)
        #expect(try OutboxBatchCodec.decode(OutboxBatchCodec.encode([]), expectedCount: 0) == [])
    }

    @Test func aTruncatedOrMiscountedBlobIsACorruptRow() {
        let encoded = OutboxBatchCodec.encode(Self.messages)
        for length in 0..<encoded.count {
            let error = #expect(throws: SagaStoreError.self) { try OutboxBatchCodec.decode(Array(encoded.prefix(length)), expectedCount: 3) }
            #expect(error?.code == .corruptRow)
        }
        for blob in [encoded + [0], [2] + encoded.dropFirst()] {
            let error = #expect(throws: SagaStoreError.self) { try OutboxBatchCodec.decode(blob, expectedCount: 3) }
            #expect(error?.code == .corruptRow)
        }
        let miscounted = #expect(throws: SagaStoreError.self) { try OutboxBatchCodec.decode(encoded, expectedCount: 2) }
        #expect(miscounted?.message.contains("holds 3 messages") == true)
    }
}
