import Foundation
import Kafka
import Logging
import SagaClient
import SagaCore
import SagaTestKit
import Testing

/// The participant in examples/python, written from schemas/ alone, taking part in real sagas:
/// `saga broker` and `saga orchestrator` as child processes, the Python service as a third.
@Suite("Python participant (examples/python)", .timeLimit(.minutes(5)))
struct PythonParticipantTests {
    @Test("a saga completes with the Python step's output reaching its dependent; a saga it refuses is compensated, compensate answered by Python")
    func takesPartInSagas() async throws {
        let run = try await PythonRun(topics: ["py.reservations", "ts.payments", "ts.notifications"])
        defer { run.removeDirectory() }
        let definitions = run.directory.appendingPathComponent("definitions")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        try Data("""
            type: ticket
            version: 1
            deadline: 10m
            steps:
              - name: reserve
                topic: py.reservations
                timeout: 20s
              - name: charge
                topic: ts.payments
                timeout: 20s
              - name: notify
                topic: ts.notifications
                timeout: 20s
                dependsOn: [reserve]

            """.utf8).write(to: definitions.appendingPathComponent("ticket.yaml"))
        let orchestrator = try LoggedChildProcess(
            Products.saga, run.broker.orchestratorArguments(store: "sqlite:\(run.directory.path)/saga.sqlite", definitions: definitions, group: "py-orchestrator"),
            log: run.directory.appendingPathComponent("orchestrator.log")
        )
        let python = try run.startParticipant(topic: "py.reservations", refuse: "phase=pending,payload.customer=blocked")

        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let participants = try ScriptedParticipants(
            consumer: run.broker.consumerConfiguration(groupID: "py-scripted"), producer: run.broker.producerConfiguration,
            topics: ["ts.payments", "ts.notifications"], logger: quiet
        ) { _ in .succeed() }
        let progress = try ProgressCollector(consumer: run.broker.consumerConfiguration(groupID: "py-progress"), topic: "saga.progress", logger: quiet)
        let client = try SagaClient(producer: run.broker.producerConfiguration, commandsTopic: "saga.commands", logger: quiet)

        let accepted: [JSONValue] = ["alice", "bob", "carol"].map { ["customer": .string($0), "seats": 2] }
        let refused: [JSONValue] = [["customer": "blocked", "seats": 1], ["customer": "blocked", "seats": 5]]
        let (acceptedIDs, refusedIDs, terminal) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await participants.run() }
            group.addTask { try await progress.run() }
            #expect(try await python.waitForOutput(containing: "assigned py.reservations", timeout: .seconds(60)),
                    "the Python participant did not join its group: \(python.output)")
            try await participants.waitUntilReady(within: .seconds(90))
            try await progress.waitUntilReady(within: .seconds(90))
            let acceptedIDs = try await client.start(accepted.map { StartSagaCommand(sagaType: "ticket", payload: $0) })
            let refusedIDs = try await client.start(refused.map { StartSagaCommand(sagaType: "ticket", payload: $0) })
            let terminal = await progress.waitForTerminal(acceptedIDs + refusedIDs, timeout: .seconds(150))
            group.cancelAll()
            try await group.waitForAll()
            return (acceptedIDs, refusedIDs, terminal)
        }
        await client.shutdown()
        let pythonStatus = try await python.stop(timeout: .seconds(30))
        #expect(try await orchestrator.stop(timeout: .seconds(30)) == 0)
        try await run.broker.stop()
        let logs = "python:\n\(python.output.suffix(3000))\norchestrator:\n\(orchestrator.output.suffix(3000))"

        for (id, payload) in zip(acceptedIDs, accepted) {
            #expect(terminal[id] == .completed, "saga \(id): \(String(describing: terminal[id])); \(logs)")
            // What Python answered to reserve's pending reached notify, which depends on it.
            let notify = participants.commands.first { $0.command.sagaId == id && $0.command.step == "notify" && $0.command.phase == .pending }
            let expected: JSONValue = ["reservation": .string("py-\(id)-reserve"), "handledBy": "python", "payload": payload]
            #expect(notify?.command.dependencyOutputs["reserve"] == expected, "saga \(id): \(String(describing: notify))")
            // Python answered all three phases of its step.
            let succeeded = progress.events(of: id).filter { $0.event == .stepSucceeded && $0.step == "reserve" }.compactMap(\.phase)
            #expect(Set(succeeded) == [.pending, .verify, .approve], "saga \(id): \(succeeded)")
        }
        for id in refusedIDs {
            #expect(terminal[id] == .compensated, "saga \(id): \(String(describing: terminal[id])); \(logs)")
            let events = progress.events(of: id)
            let rejection = events.first { $0.event == .stepRejected && $0.step == "reserve" }
            #expect(rejection?.reason?.contains("refused by rule") == true, "saga \(id): \(String(describing: rejection))")
            // Only the Python participant reads py.reservations: this compensation is its answer.
            #expect(events.contains { $0.event == .stepCompensated && $0.step == "reserve" }, "saga \(id): \(events.map(\.event))")
            #expect(!participants.commands.contains { $0.command.sagaId == id && $0.command.step == "notify" })
        }
        #expect(pythonStatus == 0, "the Python participant did not stop cleanly on SIGTERM: \(python.output.suffix(2000))")
        #expect(!python.output.contains("Traceback"), "\(python.output.suffix(2000))")
    }

    @Test("a repeated command gets the same reply on the named partition with its effect applied once, malformed ones reach the dead letters, offsets are committed")
    func followsTheContract() async throws {
        let run = try await PythonRun(topics: ["pyc.commands", "pyc.replies"])
        defer { run.removeDirectory() }
        let store = run.directory.appendingPathComponent("participant.sqlite")
        var python = try run.startParticipant(topic: "pyc.commands", store: store)
        #expect(try await python.waitForOutput(containing: "assigned pyc.commands", timeout: .seconds(60)),
                "the Python participant did not join its group: \(python.output)")

        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let producer = try KafkaProducer(configuration: run.broker.producerConfiguration, logger: quiet)
        let sagaID = "py-contract-1"
        let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        func command(attempt: Int) -> ParticipantCommand {
            ParticipantCommand(
                sagaId: sagaID, sagaType: "ticket", sagaVersion: 1, step: "reserve", phase: .pending, attempt: attempt,
                replyTo: .init(topic: "pyc.replies", partition: 2), payload: ["customer": "dora"],
                deadline: SagaTime(milliseconds: 4_102_444_800_000)
            )
        }
        func send(_ value: [UInt8]) async throws -> KafkaDeliveryReport {
            try await producer.send(KafkaProducerMessage(
                topic: "pyc.commands", key: Array(sagaID.utf8), value: value,
                headers: [KafkaHeader(name: SagaHeaders.traceparent, value: traceparent)]
            ))
        }
        var withoutKey = try #require(JSONSerialization.jsonObject(with: Data(try SagaMessageCodec.encode(command(attempt: 1)))) as? [String: Any])
        withoutKey["idempotencyKey"] = nil
        var version2 = withoutKey
        version2["schemaVersion"] = 2
        let malformed: [(value: [UInt8], reason: String)] = [
            (Array("{not json".utf8), "not a UTF-8 JSON document"),
            (Array(try JSONSerialization.data(withJSONObject: withoutKey)), "missing field 'idempotencyKey'"),
            (Array(try JSONSerialization.data(withJSONObject: version2)), "unsupported schemaVersion 2"),
        ]
        var sent = [try await send(try SagaMessageCodec.encode(command(attempt: 1)))]
        for bad in malformed { sent.append(try await send(bad.value)) }
        sent.append(try await send(try SagaMessageCodec.encode(command(attempt: 2))))

        let reader = try KafkaConsumer(configuration: run.broker.consumerConfiguration(groupID: "pyc-reader"), logger: quiet)
        var start: [KafkaTopicPartition: KafkaOffset] = [:]
        for topic in ["pyc.replies", "saga.dead-letters"] {
            for partition in Int32(0)..<4 { start[KafkaTopicPartition(topic: topic, partition: partition)] = .beginning }
        }
        try await reader.assign(start)
        var received: [KafkaConsumerMessage] = []
        func read(replies: Int, deadLetters: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline
                && (received.count { $0.topic == "pyc.replies" } < replies || received.count { $0.topic != "pyc.replies" } < deadLetters) {
                received += try await reader.nextBatch(maxMessages: 100, timeout: .milliseconds(100))
            }
        }
        try await read(replies: 2, deadLetters: malformed.count)

        // The same reply twice, each with its attempt, on the partition the command named.
        let replies = received.filter { $0.topic == "pyc.replies" }
        try #require(replies.count == 2, "replies: \(replies.map(\.valueString)); \(python.output.suffix(2000))")
        for (reply, attempt) in zip(replies, [1, 2]) {
            #expect(reply.partition == 2)
            #expect(reply.keyString == sagaID)
            #expect(reply.header(SagaHeaders.messageType)?.stringValue == ParticipantReply.messageType)
            #expect(reply.header(SagaHeaders.sagaID)?.stringValue == sagaID)
            #expect(reply.header(SagaHeaders.traceparent)?.stringValue == traceparent)
            let decoded = try SagaMessageCodec.decode(ParticipantReply.self, from: reply.value ?? []).get()
            let expected: JSONValue = ["reservation": .string("py-\(sagaID)-reserve"), "handledBy": "python", "payload": ["customer": "dora"]]
            #expect(decoded == ParticipantReply(to: command(attempt: attempt), outcome: .succeeded, output: expected))
        }

        // Each malformed command in the dead letters with its reason, where it came from and its bytes.
        let deadLetters = try received.filter { $0.topic == "saga.dead-letters" }.map {
            ($0, try SagaMessageCodec.decode(DeadLetter.self, from: $0.value ?? []).get())
        }
        #expect(deadLetters.count == malformed.count)
        for (bad, report) in zip(malformed, sent.dropFirst()) {
            let found = deadLetters.first { $0.1.offset == report.offset }
            #expect(found?.1.reason.contains(bad.reason) == true, "\(String(describing: found?.1)) should say \(bad.reason)")
            #expect(found?.1.topic == "pyc.commands" && found?.1.partition == report.partition)
            #expect(found.flatMap { Data(base64Encoded: $0.1.originalBase64) } == Data(bad.value))
            #expect(found?.1.originalKeyBase64 == Data(sagaID.utf8).base64EncodedString())
            #expect(found?.0.keyString == sagaID)
            #expect(found?.0.header(SagaHeaders.messageType)?.stringValue == DeadLetter.messageType)
        }

        // Stopped with SIGTERM, it committed everything it answered.
        #expect(try await python.stop(timeout: .seconds(30)) == 0, "\(python.output.suffix(2000))")
        let partitions = Set(sent.map(\.partition)).map { KafkaTopicPartition(topic: "pyc.commands", partition: $0) }
        // Asked under the participant's group id (this consumer never joins the group).
        let groupReader = try KafkaConsumer(configuration: run.broker.consumerConfiguration(groupID: "pyc-participant"), logger: quiet)
        let groupCommitted = try await groupReader.committedOffsets(for: partitions, timeout: .seconds(10))
        for partition in partitions {
            let last = sent.filter { $0.partition == partition.partition }.map(\.offset).max() ?? -1
            #expect(groupCommitted[partition] == KafkaOffset(last + 1), "\(partition): \(String(describing: groupCommitted[partition]))")
        }

        // Restarted on the same store, it still knows the answer: a third attempt gets it, and
        // the reservation is still made once.
        python = try run.startParticipant(topic: "pyc.commands", store: store)
        _ = try await send(try SagaMessageCodec.encode(command(attempt: 3)))
        try await read(replies: 3, deadLetters: malformed.count)
        let third = try received.filter { $0.topic == "pyc.replies" }.dropFirst(2).map {
            try SagaMessageCodec.decode(ParticipantReply.self, from: $0.value ?? []).get()
        }
        #expect(third.map(\.attempt) == [3])
        #expect(third.first?.outcome == .succeeded)
        #expect(try await python.stop(timeout: .seconds(30)) == 0, "\(python.output.suffix(2000))")
        #expect(python.output.contains("\(sagaID)/reserve/pending attempt 3: already answered succeeded"), "\(python.output.suffix(2000))")
        let effects = try await PythonRun.query(store, "SELECT change || ' ' || idempotency_key FROM effects")
        #expect(effects == ["reserve \(sagaID)/reserve/pending"])

        try await reader.close()
        try await groupReader.close()
        await producer.shutdown()
        try await run.broker.stop()
    }
}

/// One test's world: a temporary directory, `saga broker` with its topics, and the way to start
/// the Python participant against it.
private struct PythonRun {
    let directory: URL
    let broker: BrokerProcess

    static let participantScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/python/participant.py")
    static let env = URL(fileURLWithPath: "/usr/bin/env")

    /// Checks python3 and confluent-kafka are there, then starts the broker with `topics`.
    init(topics: [String]) async throws {
        let check = try ChildProcess(Self.env, ["python3", "-c", "import confluent_kafka"])
        let status = try await check.waitForExit(timeout: .seconds(60))
        try #require(status == 0, """
            python3 with confluent-kafka is needed for the Python participant: run scripts/setup \
            (status \(String(describing: status)): \(check.errorOutput))
            """)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-python-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        broker = try await BrokerProcess(directory: directory, topics: topics)
    }

    /// Starts the Python participant on `topic` in group `pyc-participant` (`py-participant` for
    /// py.* topics), its log in the run's directory.
    func startParticipant(topic: String, refuse: String? = nil, store: URL? = nil) throws -> LoggedChildProcess {
        let group = topic.hasPrefix("pyc.") ? "pyc-participant" : "py-participant"
        var arguments = [
            "python3", "-u", Self.participantScript.path, "--bootstrap-servers", broker.bootstrap, "--topic", topic,
            "--group-id", group, "--fetch-wait-max-ms", "5", "--log-level", "info",
            // The mock broker lets a new member in only after the session timeout of one that left.
            "--session-timeout-ms", "6000",
        ]
        if let refuse { arguments += ["--refuse", refuse] }
        if let store { arguments += ["--store", store.path] }
        return try LoggedChildProcess(Self.env, arguments, log: directory.appendingPathComponent("\(group).log"))
    }

    /// Deletes the directory with the logs and stores.
    func removeDirectory() { try? FileManager.default.removeItem(at: directory) }

    /// The rows of a one-column SQLite query, read with Python's sqlite3 (the participant's own store).
    static func query(_ database: URL, _ sql: String) async throws -> [String] {
        let script = "import sqlite3, sys\nfor (value,) in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(value)"
        let run = try ChildProcess(env, ["python3", "-c", script, database.path, sql])
        try #require(try await run.waitForExit(timeout: .seconds(30)) == 0, "\(run.errorOutput)")
        return run.output.split(separator: "\n").map(String.init)
    }
}
