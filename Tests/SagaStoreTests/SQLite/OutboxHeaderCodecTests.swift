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
