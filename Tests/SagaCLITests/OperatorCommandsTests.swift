import Foundation
import Kafka
import KafkaTestKit
import Logging
import SagaCore
import SagaTestKit
import Testing

@Suite("saga operator commands against a running orchestrator", .timeLimit(.minutes(5)))
struct OperatorCommandsTests {
    /// `saga broker` and `saga orchestrator` as child processes, and scripted participants in
    /// this process: `charge` refuses a payload with `"refuse": "charge"` and never answers
    /// one with `"silent": "charge"`.
    private final class System: Sendable {
        let directory: URL
        let bootstrap: String
        let broker: ChildProcess
        let orchestrator: ChildProcess
        let participants: ScriptedParticipants
        var storePath: String { directory.appendingPathComponent("saga.sqlite").path }
        var definitions: String { directory.appendingPathComponent("definitions").path }
        /// The Kafka flags every operator command gets.
        var kafka: [String] { ["--bootstrap-servers", bootstrap, "-X", "fetch.wait.max.ms=10"] }

        init() async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-operator-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("definitions"), withIntermediateDirectories: true)
            let topics = ["op.inventory", "op.payment", "op.shipping"]
            let bootstrapFile = directory.appendingPathComponent("bootstrap")
            broker = try ChildProcess(Products.saga, ["broker", "--partitions", "4", "--topics", topics.joined(separator: ","), "--bootstrap-file", bootstrapFile.path])
            var address = ""
            let deadline = ContinuousClock.now + .seconds(30)
            while address.isEmpty && ContinuousClock.now < deadline {
                address = (try? String(contentsOf: bootstrapFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if address.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            bootstrap = address
            try #require(!bootstrap.isEmpty, "saga broker did not announce its address")

            try Data("""
                type: order
                version: 1
                deadline: 10m
                steps:
                  - name: reserve
                    topic: op.inventory
                    timeout: 30s
                  - name: charge
                    topic: op.payment
                    dependsOn: [reserve]
                    timeout: 60s
                  - name: ship
                    topic: op.shipping
                    dependsOn: [charge]
                    timeout: 30s

                """.utf8).write(to: directory.appendingPathComponent("definitions/order.yaml"))
            orchestrator = try ChildProcess(Products.saga, [
                "orchestrator", "--bootstrap-servers", bootstrap, "--store", "sqlite:\(directory.appendingPathComponent("saga.sqlite").path)",
                "--definitions", directory.appendingPathComponent("definitions").path, "--partitions", "4", "--no-create-topics",
                "--log-level", "error", "--group-id", "operator-orchestrator",
                "-X", "fetch.wait.max.ms=5", "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300",
            ])

            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            var consumer = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "operator-participants")
            consumer.fetchWaitMax = .milliseconds(5)
            consumer.additionalProperties = EmbeddedKafkaBroker.recommendedClientProperties
            var producer = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
            producer.additionalProperties = EmbeddedKafkaBroker.recommendedClientProperties.filter { $0.key != "fetch.wait.max.ms" }
            participants = try ScriptedParticipants(consumer: consumer, producer: producer, topics: topics, logger: quiet) { command in
                let says = { (key: String) in command.payload.objectValue?[key]?.stringValue == command.step }
                if command.phase == .pending && says("silent") { return .silent }
                if command.phase == .pending && says("refuse") { return .reject("\(command.step) refused") }
                return .succeed(output: command.phase == .pending ? .object(["\(command.step)Ref": .string("ref-\(command.step)")]) : nil)
            }
        }

        /// Runs `saga` with `arguments` to its exit.
        func saga(_ arguments: [String], environment: [String: String] = [:], within: Duration = .seconds(90)) async throws -> (status: Int32?, output: String, errors: String) {
            let run = try ChildProcess(Products.saga, arguments, environment: environment)
            let status = try await run.waitForExit(timeout: within)
            return (status, run.output, run.errorOutput)
        }

        /// Runs `saga` with `arguments` on a pseudo-terminal (util-linux's `script`), as a person would.
        func sagaOnTerminal(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32?, output: String) {
            let quoted = ([Products.saga.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            let run = try ChildProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", quoted.joined(separator: " "), "/dev/null"], environment: environment)
            let status = try await run.waitForExit(timeout: .seconds(90))
            return (status, run.output)
        }

        func stop() async throws {
            orchestrator.signal(SIGTERM)
            _ = try await orchestrator.waitForExit(timeout: .seconds(30))
            broker.signal(SIGTERM)
            _ = try await broker.waitForExit(timeout: .seconds(30))
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test("start --wait, watch, status, list and cancel, each through the saga command, against a broker and an orchestrator")
    func operate() async throws {
        let system = try await System()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await system.participants.run() }

            // Watching as JSON from the broker's first event (so the order in which this child
            // and the next ones get going does not matter).
            let watch = try ChildProcess(Products.saga, ["watch", "--json", "--type", "order", "--from-beginning"] + system.kafka)

            // A saga that completes: exit 0, JSON with the outcome.
            let completed = try await system.saga(["start", "order", "--payload", #"{"amount": 42}"#, "--business-key", "order-1", "--wait", "--json"] + system.kafka)
            #expect(completed.status == 0, "\(completed.errors.suffix(2000))")
            let completedReport = try json(completed.output.trimmingCharacters(in: .whitespacesAndNewlines))
            let completedID = try #require(completedReport["sagaId"] as? String)
            #expect(completedReport["outcome"] as? String == "completed")
            #expect(completedReport["sagaType"] as? String == "order")
            #expect(completedReport["businessKey"] as? String == "order-1")
            #expect(completedID == SagaStart.derivedSagaID(sagaType: "order", businessKey: "order-1"))

            // A saga a participant refuses: exit 2, progress lines, the id first and a summary last.
            // The cluster comes from the environment this time.
            let refused = try await system.saga(
                ["start", "order", "--payload", #"{"refuse": "charge"}"#, "--wait"],
                environment: ["SAGA_BOOTSTRAP_SERVERS": system.bootstrap, "SAGA_KAFKA_FETCH_WAIT_MAX_MS": "10"])
            #expect(refused.status == 2, "\(refused.errors.suffix(2000))")
            let refusedLines = refused.output.split(separator: "\n").map(String.init)
            let refusedID = try #require(refusedLines.first)
            #expect(refusedLines.contains { $0.contains("stepRejected charge pending") }, "\(refused.output)")
            #expect(refusedLines.last?.hasPrefix("=> \(refusedID.prefix(8)) order compensated") == true, "\(refused.output)")

            // A saga whose participant is silent, cancelled by an operator: compensated.
            let silent = try await system.saga(["start", "order", "--payload", #"{"silent": "charge"}"#, "--json"] + system.kafka)
            #expect(silent.status == 0, "\(silent.errors)")
            let silentID = try #require(try json(silent.output)["sagaId"] as? String)
            let cancel = try await system.saga(["cancel", silentID, "--reason", "customer called", "--wait"] + system.kafka)
            #expect(cancel.status == 0, "\(cancel.output) \(cancel.errors.suffix(2000))")
            #expect(cancel.output.contains("sent cancel for saga \(silentID) (reason: customer called)"), "\(cancel.output)")
            #expect(cancel.output.contains("compensationStarted"), "\(cancel.output)")
            #expect(cancel.output.contains("=> \(silentID.prefix(8)) order compensated"), "\(cancel.output)")

            // A control the orchestrator rejects: the saga is already over.
            let pause = try await system.saga(["pause", completedID, "--wait", "--timeout", "60"] + system.kafka)
            #expect(pause.status == 6, "\(pause.output) \(pause.errors.suffix(2000))")
            #expect(pause.errors.contains("rejected the pause: pause: saga is completed"), "\(pause.errors)")

            // A control for a saga the orchestrator does not have: dead-lettered, exit 5.
            let nobody = try await system.saga(["resume", "no-such-saga", "--wait", "--timeout", "60"] + system.kafka)
            #expect(nobody.status == 5, "\(nobody.output) \(nobody.errors.suffix(2000))")
            #expect(nobody.errors.contains("no saga with id 'no-such-saga'"), "\(nobody.errors)")

            // An unknown saga type: the orchestrator dead-letters the start.
            let unknown = try await system.saga(["start", "no-such-type", "--wait", "--timeout", "60"] + system.kafka)
            #expect(unknown.status == 6, "\(unknown.errors.suffix(2000))")
            #expect(unknown.errors.contains("dead-letter topic"), "\(unknown.errors)")

            // Waiting on a saga that cannot finish in time: exit 4.
            let slow = try await system.saga(["start", "order", "--payload", #"{"silent": "reserve"}"#, "--wait", "--timeout", "3", "--json"] + system.kafka)
            #expect(slow.status == 4, "\(slow.errors.suffix(2000))")
            #expect(try json(slow.output)["outcome"] as? String == "timed-out")

            // On a terminal: coloured lines, green for a completed saga; none with NO_COLOR.
            // (An empty NO_COLOR counts as unset; the test runner's environment may set it.)
            let coloured = try await system.sagaOnTerminal(["start", "order", "--wait"] + system.kafka, environment: ["NO_COLOR": ""])
            #expect(coloured.status == 0, "\(coloured.output.suffix(2000))")
            #expect(coloured.output.contains("\u{1B}[1;32m=> "), "\(coloured.output.suffix(500))")
            let plain = try await system.sagaOnTerminal(["start", "order", "--wait"] + system.kafka, environment: ["NO_COLOR": "1"])
            #expect(plain.status == 0 && plain.output.contains("order completed"), "\(plain.output.suffix(2000))")
            #expect(!plain.output.contains("\u{1B}["), "\(plain.output.suffix(500))")

            // status, from the orchestrator's store, with the step names from the definitions.
            let status = try await system.saga(["status", completedID, "--json", "--store", "sqlite:\(system.storePath)", "--definitions", system.definitions])
            #expect(status.status == 0, "\(status.errors)")
            let report = try json(status.output)
            #expect(report["sagaId"] as? String == completedID)
            #expect(report["status"] as? String == "completed")
            #expect(report["terminal"] as? Bool == true)
            #expect(report["businessKey"] as? String == "order-1")
            let iso = ISO8601DateFormatter()
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let started = try #require((report["startedAt"] as? String).flatMap(iso.date(from:)), "\(report)")
            let updated = try #require((report["updatedAt"] as? String).flatMap(iso.date(from:)), "\(report)")
            #expect(started <= updated && abs(updated.timeIntervalSinceNow) < 600)
            let steps = try #require(report["steps"] as? [[String: Any]])
            #expect(steps.compactMap { $0["name"] as? String } == ["reserve", "charge", "ship"])
            #expect(steps.allSatisfy { $0["progress"] as? String == "done" && $0["pendingSent"] as? Bool == true })
            let cancelled = try await system.saga(["status", silentID, "--store", "sqlite:\(system.storePath)"])
            #expect(cancelled.status == 0, "\(cancelled.errors)")
            #expect(cancelled.output.contains("compensated") && cancelled.output.contains("cancelled by operator: customer called"), "\(cancelled.output)")

            // list: by state, as JSON and as a table.
            let list = try await system.saga(["list", "--state", "completed", "--json"], environment: ["SAGA_STORE_URL": "sqlite:\(system.storePath)"])
            #expect(list.status == 0, "\(list.errors)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
            let listed = rows.compactMap { $0["sagaId"] as? String }
            #expect(listed.count == 3 && listed.contains(completedID) && !listed.contains(refusedID) && !listed.contains(silentID), "\(listed)")
            #expect(rows.allSatisfy { $0["status"] as? String == "completed" && $0["sagaType"] as? String == "order" && $0["terminal"] as? Bool == true })
            let table = try await system.saga(["list", "--state", "compensated,active", "--store", "sqlite:\(system.storePath)"])
            #expect(table.status == 0, "\(table.errors)")
            #expect(table.output.contains(refusedID) && table.output.contains(silentID) && !table.output.contains(completedID), "\(table.output)")

            // watch saw every event of these sagas, one JSON object per line, each once.
            watch.signal(SIGINT)
            #expect(try await watch.waitForExit(timeout: .seconds(30)) == 0, "\(watch.errorOutput.suffix(2000))")
            let events = try watch.output.split(separator: "\n").map { try json(String($0)) }
            #expect(events.allSatisfy { $0["messageType"] as? String == "saga.progress" && $0["sagaType"] as? String == "order" })
            for id in [completedID, refusedID, silentID] {
                let sequences = events.filter { $0["sagaId"] as? String == id }.compactMap { $0["sequence"] as? Int }
                #expect(!sequences.isEmpty && sequences == Array(1...sequences.count), "saga \(id): \(sequences)")
            }
            #expect(events.contains { $0["sagaId"] as? String == completedID && $0["event"] as? String == "sagaCompleted" })
            #expect(events.contains { $0["sagaId"] as? String == silentID && $0["event"] as? String == "sagaCompensated" })

            group.cancelAll()
            try await group.waitForAll()
        }
        try await system.stop()
    }
}
