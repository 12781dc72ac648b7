import Foundation
import Kafka
import KafkaTestKit
import SagaCore
import SagaRuntime
import SagaTestKit

/// The faults of one scenario, injected a tick at a time from the run's own task (so nothing
/// here is shared between tasks): what is due is done, what must be undone later is scheduled.
struct ChaosFaults {
    let scenario: ChaosScenario
    let broker: EmbeddedKafkaBroker
    let orchestrators: ChaosOrchestrators
    /// A producer for raw and oversize inputs (its message.max.bytes is raised).
    let raw: KafkaProducer
    let topics: SagaTopics
    let partitions: Int32
    let participants: ScriptedParticipants
    let collector: ProgressCollector
    let malformed: Int
    let window: Duration
    var random: ChaosRandom
    let participantProcess: ChaosParticipantProcess?

    /// Faults injected so far (orchestrator kills are counted by ``ChaosOrchestrators``).
    private(set) var injected = 0
    /// Dead letters the inputs sent so far must make (oversize replies are counted apart).
    private(set) var expectedDeadLetters = 0

    private let began = ContinuousClock.now
    private var nextFault: ContinuousClock.Instant?
    private var malformedSent = 0
    private var undo: [(at: ContinuousClock.Instant, what: String)] = []
    private var repliesSeen = 0
    private var clusterStep = 0
    private var lateReplies: [(at: ContinuousClock.Instant, message: KafkaProducerMessage)] = []

    init(
        scenario: ChaosScenario, broker: EmbeddedKafkaBroker, orchestrators: ChaosOrchestrators, raw: KafkaProducer,
        topics: SagaTopics, partitions: Int32, participants: ScriptedParticipants, collector: ProgressCollector,
        malformed: Int, window: Duration, random: ChaosRandom, participantProcess: ChaosParticipantProcess?
    ) {
        self.participantProcess = participantProcess
        self.scenario = scenario
        self.broker = broker
        self.orchestrators = orchestrators
        self.raw = raw
        self.topics = topics
        self.partitions = partitions
        self.participants = participants
        self.collector = collector
        self.malformed = malformed
        self.window = window
        self.random = random
    }

    private var elapsedFraction: Double { min(1, (ContinuousClock.now - began) / window) }

    /// Does what is due now.
    mutating func tick() async throws {
        let now = ContinuousClock.now
        switch scenario {
        case .orchestratorKill:
            guard let next = nextFault else {
                nextFault = now + .milliseconds(Int.random(in: 2_000...7_000, using: &random))
                return
            }
            if now >= next {
                let index = Int.random(in: 0..<orchestrators.count, using: &random)
                orchestrators.kill9(index)
                try orchestrators.start(index)
                nextFault = now + .milliseconds(Int.random(in: 2_000...7_000, using: &random))
            }
        case .malformedInput:
            let due = Int(Double(malformed) * elapsedFraction)
            if due > malformedSent { try await sendMalformed(due - malformedSent) }
        case .oversize:
            if injected == 0 && elapsedFraction >= 0.25 {
                // Over the orchestrator's 256 KiB, well within what Kafka takes.
                try await sendOversizeStart(bytes: 300_000)
            } else if injected == 1 && elapsedFraction >= 0.5 {
                try await sendOversizeStart(bytes: 1_500_000)
            }
        case .brokerFaults:
            try await undoDue(now)
            if nextFault.map({ now >= $0 }) ?? true {
                try await brokerFault(now)
                nextFault = now + .milliseconds(Int.random(in: 800...2_000, using: &random))
            }
        case .lateReplies:
            try await scheduleDuplicateReplies(now)
            try await sendDueReplies(now)
        case .postgresCluster:
            try clusterFault(now)
        case .participantKill:
            _ = try participantProcess?.restartIfDead()
        }
    }

    /// Stops the faults: whatever was injected is undone and every orchestrator runs.
    mutating func finish() async throws {
        switch scenario {
        case .malformedInput:
            if malformed > malformedSent { try await sendMalformed(malformed - malformedSent) }
        case .oversize:
            if injected == 0 { try await sendOversizeStart(bytes: 300_000) }
            if injected == 1 { try await sendOversizeStart(bytes: 1_500_000) }
        case .brokerFaults:
            try await undoDue(.now + .seconds(3600))
            for id in 1...Int32(broker.brokerCount) {
                try await broker.setBrokerUp(id)
                try await broker.setRoundTripTime(broker: id, .zero)
            }
            try await broker.clearRequestErrors(.produce)
            try await broker.clearRequestErrors(.fetch)
        case .lateReplies:
            try await sendDueReplies(.now + .seconds(3600))
        case .postgresCluster:
            orchestrators.signal(1, SIGCONT)
        case .participantKill:
            _ = try participantProcess?.restartIfDead()
        case .orchestratorKill:
            break
        }
        try orchestrators.startAll()
    }

    /// After every saga settled: replies for finished sagas, which must be ignored (not
    /// dead-lettered).
    mutating func afterSettling() async throws {
        guard scenario == .malformedInput else { return }
        let finished = collector.terminal.filter { $0.value.status == .completed }.keys.prefix(50)
        let messages = finished.map { id in
            let reply = ParticipantReply(sagaId: id, step: ChaosSagaPlan.steps[0], phase: .pending, attempt: 1, outcome: .succeeded)
            return KafkaProducerMessage(
                topic: topics.replies, partition: Partitioner.murmur2(key: id, partitionCount: partitions), key: Array(id.utf8),
                value: (try? SagaMessageCodec.encode(reply)) ?? []
            )
        }
        try await send(messages)
        injected += messages.count
    }

    // MARK: - Malformed and oversize inputs

    private mutating func sendMalformed(_ count: Int) async throws {
        var messages: [KafkaProducerMessage] = []
        for _ in 0..<count {
            let id = UUID().uuidString.lowercased()
            let kind = malformedSent % 8
            malformedSent += 1
            let (topic, value): (String, [UInt8]) = switch kind {
            case 0: (topics.commands, (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
            case 1: (topics.commands, Array(#"{"messageType":"saga.start","schemaVersion":1,"sagaType":"#.utf8))
            case 2: (topics.commands, Array(#"{"messageType":"saga.start","schemaVersion":1,"sagaType":42,"payload":{}}"#.utf8))
            case 3: (topics.commands, Array(#"{"messageType":"saga.start","schemaVersion":1,"sagaId":"\#(id)","sagaType":"no-such-type","payload":{}}"#.utf8))
            case 4: (topics.commands, Array(#"{"messageType":"saga.control","schemaVersion":1,"sagaId":"\#(id)","action":"cancel","reason":"chaos"}"#.utf8))
            case 5: (topics.replies, Array(#"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"\#(id)","step":"payment","phase":"pending","attempt":1,"outcome":"succeeded"}"#.utf8))
            case 6: (topics.replies, Array("not json at all \(id)".utf8))
            default: (topics.replies, Array(#"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":7,"step":[]}"#.utf8))
            }
            messages.append(KafkaProducerMessage(topic: topic, partition: Partitioner.murmur2(key: id, partitionCount: partitions), key: Array(id.utf8), value: value))
        }
        // A 2 MB start once, half-way through.
        if malformedSent >= malformed / 2 && malformedSent - count < malformed / 2 {
            let id = UUID().uuidString.lowercased()
            let start = StartSagaCommand(sagaType: ChaosRun.sagaType, sagaId: id, payload: .object(["blob": .string(String(repeating: "b", count: 2_000_000))]))
            messages.append(KafkaProducerMessage(
                topic: topics.commands, partition: Partitioner.murmur2(key: id, partitionCount: partitions), key: Array(id.utf8),
                value: try SagaMessageCodec.encode(start)
            ))
        }
        try await send(messages)
        injected += messages.count
        expectedDeadLetters += messages.count
    }

    private mutating func sendOversizeStart(bytes: Int) async throws {
        let id = UUID().uuidString.lowercased()
        let start = StartSagaCommand(sagaType: ChaosRun.sagaType, sagaId: id, payload: .object(["blob": .string(String(repeating: "o", count: bytes))]))
        try await send([KafkaProducerMessage(
            topic: topics.commands, partition: Partitioner.murmur2(key: id, partitionCount: partitions), key: Array(id.utf8),
            value: try SagaMessageCodec.encode(start)
        )])
        injected += 1
        expectedDeadLetters += 1
    }

    private func send(_ messages: [KafkaProducerMessage]) async throws {
        guard !messages.isEmpty else { return }
        let reports = await raw.send(messages)
        if let failure = reports.firstFailure { throw BenchError("an injected input was not delivered: \(failure)") }
    }

    // MARK: - Broker faults

    private mutating func brokerFault(_ now: ContinuousClock.Instant) async throws {
        let brokerID = Int32.random(in: 1...Int32(broker.brokerCount), using: &random)
        injected += 1
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            let codes = [MockErrorCode.notLeaderForPartition, MockErrorCode.requestTimedOut, MockErrorCode.notEnoughReplicas]
            try await broker.pushRequestErrors(.produce, errors: (0..<Int.random(in: 1...5, using: &random)).map { _ in codes.randomElement(using: &random) ?? 7 })
        case 1:
            let codes = [MockErrorCode.notLeaderForPartition, MockErrorCode.requestTimedOut]
            try await broker.pushRequestErrors(.fetch, errors: (0..<Int.random(in: 1...5, using: &random)).map { _ in codes.randomElement(using: &random) ?? 7 })
        case 2:
            try await broker.setRoundTripTime(broker: brokerID, .milliseconds(Int.random(in: 50...300, using: &random)))
            undo.append((now + .seconds(3), "rtt \(brokerID)"))
        case 3:
            // Down and up again here, holding up this task's starts meanwhile: a start waits for
            // its delivery, which a partition led by the down broker holds until it is back.
            try await broker.setBrokerDown(brokerID)
            try await Task.sleep(for: .seconds(3))
            try await broker.setBrokerUp(brokerID)
        default:
            let topic = (topics.all + ChaosRun.participantTopics).randomElement(using: &random) ?? topics.commands
            try await broker.setPartitionLeader(topic: topic, partition: Int32.random(in: 0..<partitions, using: &random), broker: brokerID)
        }
    }

    private mutating func undoDue(_ now: ContinuousClock.Instant) async throws {
        let due = undo.filter { $0.at <= now }
        undo.removeAll { $0.at <= now }
        for item in due {
            let parts = item.what.split(separator: " ")
            guard let id = parts.last.flatMap({ Int32($0) }) else { continue }
            try await broker.setRoundTripTime(broker: id, .zero)
        }
    }

    // MARK: - Three instances

    /// At a quarter of the window instance 0 is SIGKILLed (started again at 70%); at 40% instance
    /// 1 is SIGSTOPped for 10 s, past its 6 s session timeout, so the others take its partitions
    /// while it still thinks it owns them.
    private mutating func clusterFault(_ now: ContinuousClock.Instant) throws {
        let fraction = elapsedFraction
        switch clusterStep {
        case 0 where fraction >= 0.25:
            orchestrators.kill9(0)
        case 1 where fraction >= 0.4:
            orchestrators.signal(1, SIGSTOP)
            nextFault = now + .seconds(10)
            injected += 1
        case 2 where nextFault.map { now >= $0 } ?? false:
            orchestrators.signal(1, SIGCONT)
        case 3 where fraction >= 0.7:
            try orchestrators.start(0)
        default:
            return
        }
        clusterStep += 1
    }

    // MARK: - Duplicate and late replies

    /// A third of the commands get their answer a second time, 0.1 to 8 s later: after the
    /// attempt's 5 s deadline for some.
    private mutating func scheduleDuplicateReplies(_ now: ContinuousClock.Instant) async throws {
        let commands = participants.commands
        guard commands.count > repliesSeen else { return }
        for received in commands[repliesSeen...] where !received.duplicate && Int.random(in: 0..<3, using: &random) == 0 {
            let command = received.command
            let (outcome, reason, output) = ChaosScript.answer(command)
            let reply = ParticipantReply(to: command, outcome: outcome, reason: reason, output: output)
            let message = KafkaProducerMessage(
                topic: command.replyTo.topic, partition: command.replyTo.partition, key: Array(command.sagaId.utf8),
                value: try SagaMessageCodec.encode(reply)
            )
            lateReplies.append((now + .milliseconds(Int.random(in: 100...8_000, using: &random)), message))
        }
        repliesSeen = commands.count
    }

    private mutating func sendDueReplies(_ now: ContinuousClock.Instant) async throws {
        let due = lateReplies.filter { $0.at <= now }.map(\.message)
        lateReplies.removeAll { $0.at <= now }
        try await send(due)
        injected += due.count
    }
}
