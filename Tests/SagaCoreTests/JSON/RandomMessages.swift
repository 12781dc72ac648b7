import Foundation
import SagaCore

/// Reproducible random messages whose strings are full of what JSON must escape or pass through.
struct RandomMessages {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if width == 0 { return Int(truncatingIfNeeded: next()) }  // the whole of Int
        return range.lowerBound &+ Int(truncatingIfNeeded: next() % width)
    }

    /// True one time in `n`.
    mutating func oneIn(_ n: Int) -> Bool { int(1...n) == 1 }

    static let pieces: [String] = [
        "a", "Z", "0", " ", "saga", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}",
        "\u{1F}", "\u{7F}", "é", "e\u{301}", "中文", "😀", "👩‍👩‍👧", "\u{2028}", "\u{FEFF}", "\u{10FFFF}", "{", "}",
        ":", ",", "[", "]", "\\u0041", "null", "true",
    ]

    mutating func text(nonEmpty: Bool = false) -> String {
        let count = int(nonEmpty ? 1...8 : 0...8)
        return (0..<count).map { _ in Self.pieces[int(0...Self.pieces.count - 1)] }.joined()
    }

    mutating func optionalText() -> String? { oneIn(2) ? text() : nil }

    /// A finite double; integral values that fit 64 bits come back as `.int`, as every JSON reader reads them.
    mutating func number() -> JSONValue {
        let special: [Double] = [0.1, -2.5, 1e-7, 1e21, 1.7976931348623157e308, .leastNonzeroMagnitude, 123456789.125, 1e16, -0.0, 3.0]
        var value = oneIn(3) ? special[int(0...special.count - 1)] : Double(bitPattern: next())
        while !value.isFinite { value = Double(bitPattern: next()) }
        if let integer = Int64(exactly: value) { return .int(integer) }
        return .double(value)
    }

    mutating func json(depth: Int = 0) -> JSONValue {
        switch int(depth >= 3 ? 0...4 : 0...6) {
        case 0: return .null
        case 1: return .bool(oneIn(2))
        case 2: return .int(oneIn(2) ? Int64(int(-1000...1000)) : Int64(bitPattern: next()))
        case 3: return number()
        case 4: return .string(text())
        case 5: return .array((0..<int(0...4)).map { _ in json(depth: depth + 1) })
        default: return .object(object(depth: depth + 1))
        }
    }

    /// Any value but `null`: an optional field holding `null` reads back as absent (with `Codable` too).
    mutating func presentJSON() -> JSONValue {
        let value = json()
        return value == .null ? .object([:]) : value
    }

    mutating func object(depth: Int = 0) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for _ in 0..<int(0...5) { members[text()] = json(depth: depth) }
        return members
    }

    mutating func element<T>(_ values: [T]) -> T { values[int(0...values.count - 1)] }

    mutating func time() -> SagaTime { SagaTime(milliseconds: Int64(int(0...Int(Int64.max >> 1)))) }

    // MARK: - Messages (all of them valid, so they decode back)

    mutating func participantCommand() -> ParticipantCommand {
        ParticipantCommand(
            sagaId: text(nonEmpty: true), sagaType: text(nonEmpty: true), sagaVersion: int(1...Int(Int32.max)),
            step: text(nonEmpty: true), phase: element(SagaPhase.allCases), attempt: int(1...100),
            idempotencyKey: oneIn(4) ? text(nonEmpty: true) : nil,
            replyTo: .init(topic: text(nonEmpty: true), partition: Int32(int(0...Int(Int32.max)))),
            payload: json(), dependencyOutputs: object(), deadline: time()
        )
    }

    mutating func progressEvent() -> ProgressEvent {
        ProgressEvent(
            sagaId: text(nonEmpty: true), sagaType: text(), sagaVersion: int(-5...5), sequence: Int64(int(1...Int.max)),
            event: ProgressEvent.Kind(rawValue: oneIn(5) ? text() : element(["sagaStarted", "commandSent", "stepSucceeded"])),
            phase: oneIn(2) ? element(SagaPhase.allCases) : nil, step: optionalText(), attempt: oneIn(2) ? int(Int.min...Int.max) : nil,
            state: element(SagaStatus.allCases), paused: oneIn(2), time: time(), reason: optionalText(),
            retryAt: oneIn(2) ? time() : nil
        )
    }

    mutating func participantReply() -> ParticipantReply {
        ParticipantReply(
            sagaId: text(nonEmpty: true), step: text(nonEmpty: true), phase: element(SagaPhase.allCases), attempt: int(1...1000),
            outcome: element(ReplyOutcome.allCases), reason: optionalText(), output: oneIn(2) ? presentJSON() : JSONValue?.none
        )
    }

    mutating func startSagaCommand() -> StartSagaCommand {
        StartSagaCommand(
            sagaType: text(nonEmpty: true), sagaVersion: oneIn(2) ? int(1...99) : nil, sagaId: oneIn(2) ? text(nonEmpty: true) : nil,
            businessKey: oneIn(2) ? text(nonEmpty: true) : nil, payload: .object(object()),
            onConflict: oneIn(3) ? nil : (oneIn(2) ? .reject : .returnExisting)
        )
    }

    mutating func controlCommand() -> ControlCommand {
        let action = element(ControlCommand.Action.allCases)
        return ControlCommand(
            sagaId: text(nonEmpty: true), action: action, step: action == .retry || oneIn(2) ? text(nonEmpty: true) : nil,
            reason: optionalText(), requestedBy: optionalText()
        )
    }

    mutating func deadLetter() -> DeadLetter {
        let original = Data((0..<int(0...20)).map { _ in UInt8(truncatingIfNeeded: next()) })
        let key = Data((0..<int(0...8)).map { _ in UInt8(truncatingIfNeeded: next()) })
        return DeadLetter(
            originalBase64: original.base64EncodedString(), originalKeyBase64: oneIn(2) ? key.base64EncodedString() : nil,
            topic: text(nonEmpty: true), partition: Int32(int(0...Int(Int32.max))), offset: Int64(int(0...Int.max)),
            reason: text(nonEmpty: true), time: oneIn(2) ? time() : nil
        )
    }
}
