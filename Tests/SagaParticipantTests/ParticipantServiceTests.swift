import Foundation
import InMemoryLogging
import Kafka
import KafkaTestKit
import Logging
import SagaCore
import SagaParticipant
import SagaStore
import SagaTestKit
import ServiceLifecycleTestKit
import Synchronization
import Testing

@Suite("Participant service", .timeLimit(.minutes(5)))
struct ParticipantServiceTests {
    @Test("a repeated command gets the reply recorded the first time, for its own attempt, and the handler runs once")
    func deduplication() async throws {
        try await ParticipantTestRun.test { harness in
            let calls = Counter()
            let service = harness.service(ParticipantHandlers(pending: { request in
                let n = calls.increment(request.idempotencyKey)
                return .success(output: ["call": .int(Int64(n)), "charge": .string("ch-\(request.sagaId)")])
            }))
            let replies = try await harness.withRunning(service) {
                try await harness.send(ParticipantTestRun.command(saga: "s-1", attempt: 1))
                try await harness.send(ParticipantTestRun.command(saga: "s-1", attempt: 2))
                return try await harness.replies(count: 2)
            }
            #expect(calls.count("s-1/pay/pending") == 1)
            try #require(replies.count == 2)
            #expect(replies.map(\.reply.attempt) == [1, 2])
            #expect(replies.allSatisfy { $0.reply.outcome == .succeeded })
            #expect(replies[0].reply.output == replies[1].reply.output)
            #expect(replies[1].reply.output?.objectValue?["call"] == .int(1))
            #expect(harness.metrics.total("saga_participant_duplicates_total") == 1)
            #expect(harness.metrics.total("saga_participant_commands_total") == 1)
        }
    }

    @Test("a pending command that arrives after its step was compensated is refused without running the handler")
    func pendingAfterCompensationIsRefused() async throws {
        try await ParticipantTestRun.test { harness in
            let calls = Counter()
            let service = harness.service(ParticipantHandlers(
                pending: { request in
                    _ = calls.increment(request.idempotencyKey)
                    return .success()
                },
                compensate: { _ in .success() }
            ))
            let replies = try await harness.withRunning(service) {
                // The compensation overtook the pending command (a re-send after a crash, say).
                try await harness.send(ParticipantTestRun.command(saga: "s-late", phase: .compensate, attempt: 1))
                try await harness.send(ParticipantTestRun.command(saga: "s-late", phase: .pending, attempt: 1))
                try await harness.send(ParticipantTestRun.command(saga: "s-late", phase: .pending, attempt: 2))
                return try await harness.replies(count: 3)
            }
            try #require(replies.count == 3)
            #expect(replies[0].reply.phase == .compensate && replies[0].reply.outcome == .succeeded)
            #expect(replies[1].reply.phase == .pending && replies[1].reply.outcome == .rejected)
            #expect(replies[1].reply.reason?.contains("already compensated") == true)
            #expect(replies[2].reply.outcome == .rejected && replies[2].reply.attempt == 2)
            #expect(calls.count("s-late/pay/pending") == 0, "the pending handler must not run")
        }
    }

    @Test("the dedupe record lives in the store: a second service on the same SQLite file replays it")
    func deduplicationAcrossRestarts() async throws {
        try await ParticipantTestRun.test { harness in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dedupe-\(harness.runID).sqlite").path
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            let calls = Counter()
            let handlers = ParticipantHandlers(pending: { request in
                calls.increment(request.idempotencyKey)
                return .reject("card declined")
            })
            for attempt in 1...2 {
                try await SagaStoreURL("sqlite:\(path)").openParticipantDedupeStore().withRunning { dedupe in
                    _ = try await harness.withRunning(harness.service(handlers, dedupe: dedupe)) {
                        try await harness.send(ParticipantTestRun.command(saga: "s-2", attempt: attempt))
                        return try await harness.replies(count: attempt)
                    }
                }
            }
            let replies = try await harness.replies(count: 2)
            #expect(calls.count("s-2/pay/pending") == 1)
            #expect(replies.map(\.reply.outcome) == [.rejected, .rejected])
            #expect(replies.map(\.reply.reason) == ["card declined", "card declined"])
            #expect(replies.map(\.reply.attempt) == [1, 2])
        }
    }

    @Test("replies go to the partition the command names, keyed by saga id, with the headers; unhandled phases succeed")
    func replyRouting() async throws {
        try await ParticipantTestRun.test { harness in
            let service = harness.service(ParticipantHandlers(pending: { _ in .success(output: ["held": true]) }))
            let phases: [SagaPhase] = [.pending, .verify, .approve, .compensate]
            var sent: [String: (partition: Int32, phase: SagaPhase, trace: String)] = [:]
            let replies = try await harness.withRunning(service) {
                for (index, phase) in phases.enumerated() {
                    let saga = "saga-\(index)"
                    // Never the partition the key would hash to: the reply must follow the command.
                    let named = (Partitioner.murmur2(key: saga, partitionCount: ParticipantTestRun.replyPartitions) + 1) % ParticipantTestRun.replyPartitions
                    let trace = "00-\(String(repeating: "\(index)", count: 32))-00f067aa0ba902b7-01"
                    sent[saga] = (named, phase, trace)
                    try await harness.send(ParticipantTestRun.command(saga: saga, phase: phase, replyPartition: named), partition: Int32(index % 2), traceparent: trace)
                }
                return try await harness.replies(count: phases.count)
            }
            try #require(replies.count == phases.count)
            for (message, reply) in replies {
                let expected = try #require(sent[reply.sagaId])
                #expect(message.partition == expected.partition, "\(reply.sagaId)")
                #expect(message.keyString == reply.sagaId)
                #expect(message.header(SagaHeaders.messageType)?.stringValue == ParticipantReply.messageType)
                #expect(message.header(SagaHeaders.sagaID)?.stringValue == reply.sagaId)
                #expect(message.header(SagaHeaders.contentType)?.stringValue == SagaHeaders.jsonContentType)
                #expect(message.header(SagaHeaders.traceparent)?.stringValue == expected.trace)
                #expect(reply.phase == expected.phase && reply.step == "pay" && reply.outcome == .succeeded)
                #expect(reply.output == (expected.phase == .pending ? ["held": true] : nil))
            }
        }
    }

    @Test("a handler that throws is answered failed-retryable with the error's description, logged, and runs again next attempt")
    func throwingHandler() async throws {
        struct DatabaseDown: Error, CustomStringConvertible {
            var description: String { "database unavailable" }
        }
        try await ParticipantTestRun.test { harness in
            let calls = Counter()
            let logs = InMemoryLogHandler()
            var logger = Logger(label: "test.participant") { _ in logs }
            logger.logLevel = .warning
            let service = harness.service(ParticipantHandlers(pending: { request in
                if calls.increment(request.idempotencyKey) == 1 { throw DatabaseDown() }
                return .success()
            }), logger: logger)
            let replies = try await harness.withRunning(service) {
                try await harness.send(ParticipantTestRun.command(saga: "s-3", attempt: 1))
                _ = try await harness.replies(count: 1)
                try await harness.send(ParticipantTestRun.command(saga: "s-3", attempt: 2))
                return try await harness.replies(count: 2)
            }
            try #require(replies.count == 2)
            #expect(replies[0].reply.outcome == .failedRetryable)
            #expect(replies[0].reply.reason == "database unavailable")
            #expect(replies[1].reply.outcome == .succeeded && replies[1].reply.attempt == 2)
            #expect(calls.count("s-3/pay/pending") == 2)
            #expect(harness.metrics.total("saga_participant_commands_total", where: ("outcome", "error")) == 1)
            #expect(logs.entries.contains { $0.level == .warning && $0.metadata["error"] == "database unavailable" && $0.metadata["saga-id"] == "s-3" })
        }
    }

    @Test("malformed commands go to the dead-letter topic with the reason and their origin; the partition moves on")
    func deadLetters() async throws {
        try await ParticipantTestRun.test { harness in
            let service = harness.service(ParticipantHandlers(pending: { _ in .success() }))
            var reports: [KafkaDeliveryReport] = []
            let (letters, replies) = try await harness.withRunning(service) {
                reports.append(try await harness.sendRaw(Array("not json".utf8), key: "k-1"))
                reports.append(try await harness.sendRaw(Array(#"{"messageType":"saga.participant.command","schemaVersion":1,"sagaId":"s-4"}"#.utf8), key: "s-4"))
                reports.append(try await harness.sendRaw(nil, key: "k-3"))
                reports.append(try await harness.send(ParticipantTestRun.command(saga: "s-5")))
                return (try await harness.read(ParticipantTestRun.deadLetterTopic, count: 3), try await harness.replies(count: 1))
            }
            try #require(letters.count == 3)
            // Malformed messages belong to no saga, so they are dead-lettered concurrently: order by origin.
            let pairs = try letters.map { ($0, try SagaMessageCodec.decode(DeadLetter.self, from: $0.value ?? []).get()) }
                .sorted { $0.1.offset < $1.1.offset }
            let decoded = pairs.map(\.1)
            #expect(decoded.map(\.offset) == reports.prefix(3).map(\.offset))
            #expect(decoded.allSatisfy { $0.topic == ParticipantTestRun.commandTopic && $0.partition == 0 })
            #expect(decoded[0].originalBase64 == Data("not json".utf8).base64EncodedString())
            #expect(decoded[0].reason.contains("JSON"), "\(decoded[0].reason)")
            #expect(decoded[1].reason.contains("missing field"), "\(decoded[1].reason)")
            #expect(decoded[2].reason.contains("tombstone"), "\(decoded[2].reason)")
            #expect(pairs.map(\.0.keyString) == ["k-1", "s-4", "k-3"])
            #expect(letters.allSatisfy { $0.header(SagaHeaders.messageType)?.stringValue == DeadLetter.messageType })
            #expect(replies.map(\.reply.sagaId) == ["s-5"])
            #expect(try await harness.waitForCommit(reports[3].offset + 1) == KafkaOffset(reports[3].offset + 1))
            #expect(harness.metrics.total("saga_participant_dead_letters_total") == 3)
        }
    }

    @Test("a command's offset is committed only after its reply is acknowledged; an undelivered reply is handled again")
    func commitAfterAcknowledgement() async throws {
        try await ParticipantTestRun.test { harness in
            let calls = Counter()
            let gate = Gate()
            let service = harness.service(ParticipantHandlers(pending: { request in
                calls.increment(request.idempotencyKey)
                if request.sagaId == "stalled" { try await gate.wait() }
                return .success(output: ["ok": true])
            })) { configuration in
                configuration.producer.messageTimeout = .seconds(2)
                configuration.retryBackoff = .init(initial: .milliseconds(100), maximum: .milliseconds(500))
            }
            try await harness.withRunning(service) {
                try await harness.send(ParticipantTestRun.command(saga: "warm-up"))
                #expect(try await harness.waitForCommit(1) == KafkaOffset(1))
                let report = try await harness.send(ParticipantTestRun.command(saga: "stalled"))
                try await calls.wait(for: "stalled/pay/pending", count: 1, within: .seconds(60))
                // Every reply produce now fails (retriable errors, retried until the message times out).
                try await harness.broker.pushRequestErrors(.produce, errors: Array(repeating: MockErrorCode.notEnoughReplicas, count: 100_000))
                gate.open()
                // The metric tells no one it changed: read until it has.
                try await poll("a reply delivery to fail twice", within: .seconds(60)) {
                    harness.metrics.total("saga_participant_redeliveries_total")
                } until: { $0 >= 2 }
                #expect(try await harness.committed() == KafkaOffset(1), "nothing acknowledged, nothing committed")
                #expect(harness.metrics.total("saga_participant_replies_total") == 1)
                try await harness.broker.clearRequestErrors(.produce)
                #expect(try await harness.waitForCommit(report.offset + 1, timeout: .seconds(60)) == KafkaOffset(report.offset + 1))
            }
            let replies = try await harness.replies(count: 2)
            #expect(replies.map(\.reply.sagaId) == ["warm-up", "stalled"])
            #expect(replies.last?.reply.output == ["ok": true])
            // Handled again from the dedupe record: the handler ran once.
            #expect(calls.count("stalled/pay/pending") == 1)
            #expect(harness.metrics.total("saga_participant_duplicates_total") >= 1)
        }
    }

    @Test("commands of different sagas run concurrently up to the bound; one saga's run one at a time, in order")
    func concurrency() async throws {
        try await ParticipantTestRun.test { harness in
            struct Tracker {
                var running = 0
                var maxRunning = 0
                var runningPerSaga: [String: Int] = [:]
                var overlapped = false
                var order: [SagaPhase] = []
            }
            let tracker = Mutex(Tracker())
            let handler: ParticipantHandlers.Handler = { request in
                tracker.withLock { t in
                    t.running += 1
                    t.maxRunning = max(t.maxRunning, t.running)
                    t.runningPerSaga[request.sagaId, default: 0] += 1
                    if t.runningPerSaga[request.sagaId]! > 1 { t.overlapped = true }
                    if request.sagaId == "ordered" { t.order.append(request.phase) }
                }
                // The subject is time passing: a handler busy long enough for others to overlap it.
                try await Task.sleep(for: .milliseconds(400))
                tracker.withLock { t in
                    t.running -= 1
                    t.runningPerSaga[request.sagaId]! -= 1
                }
                return .success()
            }
            let service = harness.service(ParticipantHandlers(pending: handler, verify: handler, approve: handler, compensate: handler)) {
                $0.maxConcurrentCommands = 3
            }
            let replies = try await harness.withRunning(service) {
                for phase in [SagaPhase.pending, .verify, .approve, .compensate] {
                    try await harness.send(ParticipantTestRun.command(saga: "ordered", phase: phase), partition: 1)
                }
                for index in 0..<8 {
                    try await harness.send(ParticipantTestRun.command(saga: "saga-\(index)"), partition: Int32(index % 2))
                }
                return try await harness.replies(count: 12)
            }
            #expect(replies.count == 12)
            let result = tracker.withLock { $0 }
            #expect(result.maxRunning <= 3)
            #expect(result.maxRunning >= 2, "different sagas ran concurrently")
            #expect(!result.overlapped)
            #expect(result.order == [.pending, .verify, .approve, .compensate])
            #expect(try await harness.waitForCommit(4, partition: 0) == KafkaOffset(4))
            #expect(try await harness.waitForCommit(8, partition: 1) == KafkaOffset(8))
        }
    }

    @Test("graceful shutdown lets the running handler finish and reply, commits it, leaves the group; waiting commands go to the next owner")
    func gracefulShutdown() async throws {
        try await ParticipantTestRun.test { harness in
            let started = Gate()
            let release = Gate()
            let calls = Counter()
            let handlers = ParticipantHandlers(pending: { request in
                calls.increment(request.idempotencyKey)
                if request.step == "slow" {
                    started.open()
                    try await release.wait()
                }
                return .success(output: .string(request.step))
            })
            let first = harness.service(handlers)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await first.run() }
                    try await harness.send(ParticipantTestRun.command(saga: "s-6", step: "slow"))
                    try await harness.send(ParticipantTestRun.command(saga: "s-6", step: "next"))
                    try await started.wait()
                    trigger.triggerGracefulShutdown()
                    // Shutting down, it still waits for the running handler. The subject is time
                    // passing: the handler is held a while after the shutdown began.
                    try await Task.sleep(for: .milliseconds(300))
                    release.open()
                    try await group.waitForAll()
                }
            }
            #expect(calls.count("s-6/slow/pending") == 1)
            #expect(calls.count("s-6/next/pending") == 0, "intake stopped: the waiting command did not start")
            #expect(try await harness.committed() == KafkaOffset(1))
            #expect(try await harness.replies(count: 1).map(\.reply.step) == ["slow"])

            // The group was left: a new member takes the partitions and handles what was not committed.
            let second = harness.service(handlers)
            let replies = try await harness.withRunning(second) { try await harness.replies(count: 2) }
            #expect(replies.map(\.reply.step) == ["slow", "next"])
            #expect(calls.count("s-6/slow/pending") == 1)
            #expect(try await harness.committed() == KafkaOffset(2))
        }
    }

    @Test("a configuration that cannot work is refused with the reason")
    func badConfiguration() async throws {
        var configuration = ParticipantConfiguration(name: "p", bootstrapServers: ["127.0.0.1:9"], commandTopics: [])
        let service = ParticipantService(
            configuration: configuration, handlers: ParticipantHandlers(pending: { _ in .success() }),
            dedupe: InMemoryParticipantDedupeStore(), logger: quietLogger
        )
        let error = await #expect(throws: ParticipantError.self) { try await service.run() }
        #expect(error?.message.contains("commandTopics") == true)
        configuration.commandTopics = ["t"]
        configuration.maxConcurrentCommands = 0
        let zero = ParticipantService(
            configuration: configuration, handlers: ParticipantHandlers(pending: { _ in .success() }),
            dedupe: InMemoryParticipantDedupeStore(), logger: quietLogger
        )
        let second = await #expect(throws: ParticipantError.self) { try await zero.run() }
        #expect(second?.shortDescription == "configuration")
    }
}

@Suite("ParticipantTestRun", .timeLimit(.minutes(3)))
struct ParticipantTestRunTests {
    struct Planned: Error {}

    @Test("a run captures the service's logs, and a body that throws still tears the run down")
    func logsAndScope() async throws {
        try await ParticipantTestRun.test { run in
            let service = run.service(ParticipantHandlers(pending: { _ in .success() }))
            try await run.withRunning(service) {
                try await run.send(ParticipantTestRun.command(saga: "logged"))
                #expect(try await run.replies(count: 1).count == 1)
            }
            #expect(!run.log.entries.entries.isEmpty, "the service logged nothing into the run")
        }
        await #expect(throws: Planned.self) {
            try await ParticipantTestRun.test { _ in throw Planned() }
        }
    }
}
