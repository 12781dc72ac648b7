import Foundation
import PropertyBased
import SagaCore
import Testing

/// The hand-written codec against Foundation's `Codable` path it replaces: the same bytes, the same values.
@Suite("Hand-written JSON codec against Foundation")
struct FastCodecEqualityTests {
    static let seeds = Gen.uint64()

    static func foundationBytes<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Same bytes as Foundation; reads back equal with both decoders, and Foundation's bytes read back equal too.
    func check<Message: SagaMessage>(_ message: Message) throws {
        let ours = try SagaMessageCodec.encode(message)
        let theirs = try Self.foundationBytes(message)
        #expect(ours == theirs, "\(String(decoding: ours, as: UTF8.self))\n!=\n\(String(decoding: theirs, as: UTF8.self))")
        let decoded = try SagaMessageCodec.decode(Message.self, from: ours).get()
        #expect(decoded == message, "\(decoded)\n!=\n\(message)")
        #expect(try SagaMessageCodec.decode(Message.self, from: theirs).get() == message)
        #expect(try JSONDecoder().decode(Message.self, from: Data(ours)) == message)
    }

    @Test func participantCommands() async {
        await propertyCheck(count: 300, input: Self.seeds) { seed in
            var random = RandomMessages(seed: seed)
            try check(random.participantCommand())
        }
    }

    @Test func progressEvents() async {
        await propertyCheck(count: 300, input: Self.seeds) { seed in
            var random = RandomMessages(seed: seed)
            try check(random.progressEvent())
        }
    }

    @Test func participantReplies() async {
        await propertyCheck(count: 300, input: Self.seeds) { seed in
            var random = RandomMessages(seed: seed)
            try check(random.participantReply())
        }
    }

    @Test func startCommandsControlsAndDeadLetters() async {
        await propertyCheck(count: 300, input: Self.seeds) { seed in
            var random = RandomMessages(seed: seed)
            try check(random.startSagaCommand())
            try check(random.controlCommand())
            try check(random.deadLetter())
        }
    }

    @Test func jsonValuesWriteAsFoundationWritesThem() async {
        await propertyCheck(count: 500, input: Self.seeds) { seed in
            var random = RandomMessages(seed: seed)
            let value = random.json()
            let ours = try #require(value.jsonBytes)
            #expect(ours == (try Self.foundationBytes(value)))
            #expect(try JSONValue(parsing: ours) == value)
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(ours)) == value)
        }
    }

    @Test func everyMessageOfARealRunIsTheSame() throws {
        var h = try Harness(Sagas.fanOut(), payload: ["order": "42", "url": "https://shop.example/o/42", "note": "ünïcødé \"q\" \\ \n"])
        h.reply("a", .pending, .failedRetryable, reason: "busy / retry")
        h.fireTimer()
        h.reply("a", .pending, output: ["id": 7, "ratio": 0.25])
        h.reply("b", .pending, .rejected, reason: "no")
        h.reply("c", .pending)
        h.reply("b", .compensate)
        h.reply("c", .compensate)
        h.reply("a", .compensate)
        #expect(h.events.count > 10)
        for event in h.events { try check(event) }
        for command in h.commands { try check(command) }
    }

    @Test("a value JSON cannot carry makes encoding throw, naming it, instead of giving empty bytes")
    func nonFiniteNumbersThrow() throws {
        var reply = ParticipantReply(sagaId: "s", step: "a", phase: .pending, attempt: 1, outcome: .succeeded, output: ["x": .double(.nan)])
        let error = #expect(throws: SagaCoreError.self) { try SagaMessageCodec.encode(reply) }
        #expect(error?.shortDescription == "unencodable value")
        #expect(error?.message.contains("non-finite") == true)
        #expect(JSONValue.double(.infinity).jsonBytes == nil)
        reply.output = ["x": .double(1.5)]
        #expect(try !SagaMessageCodec.encode(reply).isEmpty)
    }

    @Test("a saga state holding a non-finite number cannot be encoded: it throws, it never yields an empty row")
    func stateWithNonFiniteNumberThrows() throws {
        let plan = try SagaRegistry([Sagas.checkout]).plan(for: StartSagaCommand(sagaType: Sagas.checkout.type, payload: ["x": .double(.infinity)]))
        let machine = SagaMachine(plan: plan, replyTopic: "r")
        let (state, _) = machine.start(StartSagaCommand(sagaType: Sagas.checkout.type, payload: ["x": .double(.infinity)]), sagaID: "s", replyPartition: 0, now: SagaTime(milliseconds: 0))
        #expect(throws: SagaCoreError.self) { try SagaStateCodec.encode(state) }
    }
}
