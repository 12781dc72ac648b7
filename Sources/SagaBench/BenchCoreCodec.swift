import Foundation
import SagaCore

/// The JSON codec's share of a saga's work: each message kind and the saga state encoded and
/// decoded by the core's hand-written codec and by Foundation's `JSONEncoder`/`JSONDecoder`
/// (sorted keys, the same bytes), and the sum over what one saga of the workload costs the
/// orchestrator: a start and 9 replies read, 9 commands and 13 progress events written, and its
/// state written after each of its 10 transitions.
struct BenchCoreCodec {
    let workload: BenchCoreWorkload

    struct Row {
        var kind: String
        var bytes: Int
        var oursEncode: Double
        var foundationEncode: Double
        var oursDecode: Double
        var foundationDecode: Double
    }

    /// Nanoseconds per call of `body`, the best of 5 rounds of `count` calls.
    private func nanoseconds(_ count: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        var best = Double.infinity
        for _ in 0..<5 {
            let elapsed = clock.measure { for _ in 0..<count { body() } }
            best = min(best, elapsed.inSeconds / Double(count) * 1e9)
        }
        return best
    }

    private func row<Message: SagaMessage>(_ kind: String, _ message: Message, count: Int) throws -> Row {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let decoder = JSONDecoder()
        let bytes = try SagaMessageCodec.encode(message)
        let data = Data(bytes)
        var sink = 0
        let row = Row(
            kind: kind, bytes: bytes.count,
            oursEncode: nanoseconds(count) { sink &+= (try? SagaMessageCodec.encode(message).count) ?? 0 },
            foundationEncode: nanoseconds(count) { sink &+= (try? encoder.encode(message).count) ?? 0 },
            oursDecode: nanoseconds(count) { if case .success = SagaMessageCodec.decode(Message.self, from: bytes) { sink &+= 1 } },
            foundationDecode: nanoseconds(count) { if (try? decoder.decode(Message.self, from: data)) != nil { sink &+= 1 } }
        )
        precondition(sink > 0)
        return row
    }

    private func stateRow(_ state: SagaState, count: Int) throws -> Row {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let decoder = JSONDecoder()
        let bytes = try SagaStateCodec.encode(state)
        let data = Data(bytes)
        var sink = 0
        let row = Row(
            kind: "saga state", bytes: bytes.count,
            oursEncode: nanoseconds(count) { sink &+= (try? SagaStateCodec.encode(state).count) ?? 0 },
            foundationEncode: nanoseconds(count) { sink &+= (try? encoder.encode(state).count) ?? 0 },
            oursDecode: nanoseconds(count) { if (try? SagaStateCodec.decode(bytes)) != nil { sink &+= 1 } },
            foundationDecode: nanoseconds(count) { if (try? decoder.decode(SagaState.self, from: data)) != nil { sink &+= 1 } }
        )
        precondition(sink > 0)
        return row
    }

    /// Measures every kind and prints the table and the per-saga sums.
    func report(count: Int) throws -> [String] {
        let now = SagaTime(milliseconds: 1_700_000_000_000)
        var (state, effects) = workload.machine.start(workload.start, sagaID: workload.sagaID, replyPartition: 0, now: now)
        let command = try requireFirst(effects.commands.map(\.message))
        _ = workload.machine.handle(.reply(workload.replies[0]), state: &state, now: now)
        let event = try requireFirst(effects.events)
        effects = workload.machine.handle(.reply(workload.replies[1]), state: &state, now: now)
        var reply = workload.replies[0]
        reply.output = ["chargeId": "ch_3MmlLrLkdIwHu7ix0snN0B15"]
        let control = ControlCommand(sagaId: workload.sagaID, action: .cancel, reason: "customer called", requestedBy: "alice")
        let letter = DeadLetter(originalBase64: "bm90IGpzb24=", topic: "saga.commands", partition: 3, offset: 1042, reason: "not valid JSON", time: now)
        var start = workload.start
        start.businessKey = "order-4711"
        let rows = [
            try row("start", start, count: count),
            try row("control", control, count: count),
            try row("participant command", command, count: count),
            try row("participant reply", reply, count: count),
            try row("progress event", event, count: count),
            try row("dead letter", letter, count: count),
            try stateRow(state, count: count),
        ]
        func format(_ value: Double) -> String { String(format: "%8.0f", value) }
        func ratio(_ a: Double, _ b: Double) -> String { String(format: "%5.1f×", b / a) }
        var lines = [
            "JSON codec, ns per message (best of 5 rounds of \(count)); ours = the core's hand-written codec, Foundation = JSONEncoder/JSONDecoder:",
            "  kind                  bytes   ours enc  Foundation enc  gain   ours dec  Foundation dec  gain",
        ]
        for row in rows {
            lines.append("  \(row.kind.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%6d", row.bytes)) "
                + "\(format(row.oursEncode))  \(format(row.foundationEncode))        \(ratio(row.oursEncode, row.foundationEncode)) "
                + "\(format(row.oursDecode))  \(format(row.foundationDecode))        \(ratio(row.oursDecode, row.foundationDecode))")
        }
        let byKind = Dictionary(uniqueKeysWithValues: rows.map { ($0.kind, $0) })
        func perSaga(_ pick: (Row) -> (encode: Double, decode: Double)) -> Double {
            func get(_ kind: String) -> (encode: Double, decode: Double) { byKind[kind].map(pick) ?? (0, 0) }
            return get("start").decode + 9 * get("participant reply").decode + 9 * get("participant command").encode
                + 13 * get("progress event").encode + 10 * get("saga state").encode
        }
        let ours = perSaga { ($0.oursEncode, $0.oursDecode) }
        let foundation = perSaga { ($0.foundationEncode, $0.foundationDecode) }
        lines.append("  per saga (1 start + 9 replies read; 9 commands, 13 events, 10 states written): "
            + "ours \(String(format: "%.1f", ours / 1000)) µs, Foundation \(String(format: "%.1f", foundation / 1000)) µs, "
            + "difference \(String(format: "%.1f", (foundation - ours) / 1000)) µs (the orchestrator spends 320–515 µs of CPU per saga)")
        return lines
    }

    private func requireFirst<T>(_ values: [T]) throws -> T {
        guard let first = values.first else { throw ValidationFailure("the workload produced nothing to measure") }
        return first
    }
}

/// The benchmark's own workload did not do what it should.
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
