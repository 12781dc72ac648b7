import Foundation
import PropertyBased
import SagaCore
import Testing

@Suite("Saga state snapshots with SagaStateCodec")
struct SagaStateCodecTests {
    /// Every state a fan-out saga goes through, with a payload and outputs full of what JSON escapes.
    static func statesOfARun(payload: JSONValue, output: JSONValue) throws -> [SagaState] {
        var h = try Harness(Sagas.fanOut(), payload: payload)
        var states = [h.state]
        func record(_ h: Harness) { states.append(h.state) }
        h.reply("a", .pending, .failedRetryable, reason: "busy \"now\"")
        record(h)
        h.fireTimer()
        record(h)
        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .pause)))
        record(h)
        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .resume)))
        h.reply("a", .pending, output: output)
        record(h)
        h.reply("b", .pending, .rejected, reason: "out of stock / 😀")
        record(h)
        h.reply("c", .pending, output: output)
        h.reply("b", .compensate)
        h.reply("c", .compensate, .rejected, reason: "refused")
        record(h)
        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .retry, step: "c")))
        h.reply("c", .compensate)
        h.reply("a", .compensate)
        record(h)
        return states
    }

    func check(_ state: SagaState) throws {
        let ours = try SagaStateCodec.encode(state)
        let sorted = JSONEncoder()
        sorted.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(ours == Array(try sorted.encode(state)))
        #expect(try SagaStateCodec.decode(ours) == state)
        // Snapshots written by Codable (default options: unsorted keys, escaped slashes) read back, and ours read with Codable.
        #expect(try SagaStateCodec.decode(try JSONEncoder().encode(state)) == state)
        #expect(try JSONDecoder().decode(SagaState.self, from: Data(ours)) == state)
    }

    @Test func statesOfARealRunMatchCodableBothWays() throws {
        let states = try Self.statesOfARun(payload: ["order": "42", "url": "https://x/y", "n": 1.5, "tags": ["a\u{0}", "é"]], output: ["id": "r/1", "big": 12345678901234])
        #expect(states.count == 8)
        #expect(states.contains { $0.paused })
        #expect(states.contains { $0.failureReason != nil })
        #expect(states.contains { $0.random > UInt64(Int64.max) } || states.allSatisfy { $0.random <= UInt64(Int64.max) })
        for state in states { try check(state) }
    }

    @Test func statesWithRandomPayloadsMatchCodableBothWays() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            var random = RandomMessages(seed: seed)
            for state in try Self.statesOfARun(payload: .object(random.object()), output: random.presentJSON()) { try check(state) }
        }
    }

    @Test func aRandomSeedAboveInt64RoundTrips() throws {
        // The jitter seed is a UInt64: half of all saga ids give one that does not fit an Int64.
        let states = try (0..<8).map { index in try Harness(Sagas.checkout, sagaID: "saga-\(index)").state }
        #expect(states.contains { $0.random > UInt64(Int64.max) })
        for state in states { try check(state) }
    }

    @Test func badSnapshotsSayWhatIsWrong() throws {
        func reason(_ json: String) -> String {
            do {
                _ = try SagaStateCodec.decode(Array(json.utf8))
                return "accepted"
            } catch {
                #expect(error.shortDescription == "malformed saga state")
                return error.message
            }
        }
        let state = try Harness(Sagas.checkout).state
        let good = String(decoding: try SagaStateCodec.encode(state), as: UTF8.self)
        #expect(reason(good) == "accepted")
        #expect(reason("{}") == "saga state: missing field 'id'")
        #expect(reason("[]") == "saga state: the document is not a JSON object (found an array)")
        #expect(reason(good + "x") == "saga state: not valid JSON: unexpected 'x' after the document at byte \(good.utf8.count)")
        // payment and stock are in flight (p 1), shipping waits (p 0).
        #expect(reason(good.replacingOccurrences(of: #""p":0"#, with: #""p":9"#)) == "saga state: field 's[2].p' is invalid: 9 is not a step progress")
        #expect(reason(good.replacingOccurrences(of: #""st":"executing""#, with: #""st":1"#)) == "saga state: field 'st' has the wrong type (expected String, found a number)")
        #expect(reason(good.replacingOccurrences(of: #""rp":3"#, with: #""rp":null"#)) == "saga state: field 'rp' is null (expected Int32)")
    }
}
