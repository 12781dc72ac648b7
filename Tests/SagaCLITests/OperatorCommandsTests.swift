import Foundation
import SagaCore
import SagaTestKit
import Testing

@Suite("saga operator commands against a running orchestrator", .timeLimit(.minutes(5)))
struct OperatorCommandsTests {
    /// `charge` refuses a payload with `"refuse": "charge"` and never answers one with
    /// `"silent": "charge"` (nor its compensation with `"silentCompensate": "charge"`); pending
    /// replies carry an output.
    private static func script(_ command: ParticipantCommand) -> ParticipantBehavior {
        let says = { (key: String) in command.payload.objectValue?[key]?.stringValue == command.step }
        if command.phase == .pending && says("silent") { return .silent }
        if command.phase == .compensate && says("silentCompensate") { return .silent }
        if command.phase == .pending && says("refuse") { return .reject("\(command.step) refused") }
        return .succeed(output: command.phase == .pending ? .object(["\(command.step)Ref": .string("ref-\(command.step)")]) : nil)
    }

    /// Runs `saga` with `arguments` to its exit.
    private func saga(_ arguments: [String], environment: [String: String] = [:], within: Duration = .seconds(90)) async throws -> (status: Int32?, output: String, errors: String) {
        let run = try ChildProcess(Products.saga, arguments, environment: environment)
        let status = try await run.waitForExit(timeout: within)
        return (status, run.output, run.errorOutput)
    }

    /// Runs `saga` with `arguments` on a pseudo-terminal (util-linux's `script`), as a person would.
    private func sagaOnTerminal(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32?, output: String) {
        let quoted = ([Products.saga.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let run = try ChildProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", quoted.joined(separator: " "), "/dev/null"], environment: environment)
        let status = try await run.waitForExit(timeout: .seconds(90))
        return (status, run.output)
    }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test("start --wait, watch, status, list and cancel, each through the saga command, against a broker and an orchestrator")
    func operate() async throws {
        // Step timeouts long enough for an operator to act on a saga whose participant is silent.
        let system = try await SagaSystem(name: "operator", stepTimeout: "60s", script: Self.script)
        let storePath = system.directory.appendingPathComponent("saga.sqlite").path
        let orchestrator = try system.startOrchestrator(store: "sqlite:\(storePath)", logName: "orchestrator", group: "operator-orchestrator")
        // The Kafka flags every operator command gets.
        let kafka = ["--bootstrap-servers", system.broker.bootstrap, "-X", "fetch.wait.max.ms=10"]
        try await system.running {
            // Watching as JSON from the broker's first event (so the order in which this child
            // and the next ones get going does not matter).
            let watch = try ChildProcess(Products.saga, ["watch", "--json", "--type", "order", "--from-beginning"] + kafka)

            // A saga that completes: exit 0, JSON with the outcome.
            let completed = try await saga(["start", "order", "--payload", #"{"amount": 42}"#, "--business-key", "order-1", "--wait", "--json"] + kafka)
            #expect(completed.status == 0, "\(completed.errors.suffix(2000))")
            let completedReport = try json(completed.output.trimmingCharacters(in: .whitespacesAndNewlines))
            let completedID = try #require(completedReport["sagaId"] as? String)
            #expect(completedReport["outcome"] as? String == "completed")
            #expect(completedReport["sagaType"] as? String == "order")
            #expect(completedReport["businessKey"] as? String == "order-1")
            #expect(completedID == SagaStart.derivedSagaID(sagaType: "order", businessKey: "order-1"))

            // A saga a participant refuses: exit 2, progress lines, the id first and a summary last.
            // The cluster comes from the environment this time.
            let refused = try await saga(
                ["start", "order", "--payload", #"{"refuse": "charge"}"#, "--wait"],
                environment: ["SAGA_BOOTSTRAP_SERVERS": system.broker.bootstrap, "SAGA_KAFKA_FETCH_WAIT_MAX_MS": "10"])
            #expect(refused.status == 2, "\(refused.errors.suffix(2000))")
            let refusedLines = refused.output.split(separator: "\n").map(String.init)
            let refusedID = try #require(refusedLines.first)
            #expect(refusedLines.contains { $0.contains("stepRejected charge pending") }, "\(refused.output)")
            #expect(refusedLines.last?.hasPrefix("=> \(refusedID.prefix(8)) order compensated") == true, "\(refused.output)")

            // A saga whose participant is silent, cancelled by an operator: compensated.
            let silent = try await saga(["start", "order", "--payload", #"{"silent": "charge"}"#, "--json"] + kafka)
            #expect(silent.status == 0, "\(silent.errors)")
            let silentID = try #require(try json(silent.output)["sagaId"] as? String)
            let cancel = try await saga(["cancel", silentID, "--reason", "customer called", "--wait"] + kafka)
            #expect(cancel.status == 0, "\(cancel.output) \(cancel.errors.suffix(2000))")
            #expect(cancel.output.contains("sent cancel for saga \(silentID) (reason: customer called)"), "\(cancel.output)")
            #expect(cancel.output.contains("compensationStarted"), "\(cancel.output)")
            #expect(cancel.output.contains("=> \(silentID.prefix(8)) order compensated"), "\(cancel.output)")

            // A control the orchestrator rejects: the saga is already over.
            let pause = try await saga(["pause", completedID, "--wait", "--timeout", "60"] + kafka)
            #expect(pause.status == 6, "\(pause.output) \(pause.errors.suffix(2000))")
            #expect(pause.errors.contains("rejected the pause: pause: saga is completed"), "\(pause.errors)")

            // A control for a saga the orchestrator does not have: dead-lettered, exit 5.
            let nobody = try await saga(["resume", "no-such-saga", "--wait", "--timeout", "60"] + kafka)
            #expect(nobody.status == 5, "\(nobody.output) \(nobody.errors.suffix(2000))")
            #expect(nobody.errors.contains("no saga with id 'no-such-saga'"), "\(nobody.errors)")

            // The orchestrator published its definitions: saga definitions lists them.
            let definitions = try await saga(["definitions"] + kafka)
            #expect(definitions.status == 0, "\(definitions.errors)")
            #expect(definitions.output.contains("order") && definitions.output.contains("reserve, charge (after reserve), ship (after reserve)"), "\(definitions.output)")
            let definitionsJSON = try await saga(["definitions", "--json"] + kafka)
            let published = try #require(try JSONSerialization.jsonObject(with: Data(definitionsJSON.output.utf8)) as? [[String: Any]])
            #expect(published.count == 1 && published[0]["type"] as? String == "order" && published[0]["version"] as? Int == 1, "\(published)")
            #expect((published[0]["steps"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["reserve", "charge", "ship"])

            // An unknown saga type is refused before it is sent, with the known types.
            let unknown = try await saga(["start", "no-such-type", "--wait", "--timeout", "60"] + kafka)
            #expect(unknown.status == 6, "\(unknown.errors.suffix(2000))")
            #expect(unknown.errors.contains("no orchestrator runs saga type 'no-such-type' (known: order)"), "\(unknown.errors)")
            #expect(unknown.output.isEmpty, "no saga id is printed: \(unknown.output)")
            // Sent anyway with --force: the orchestrator dead-letters the start.
            let forced = try await saga(["start", "no-such-type", "--force", "--wait", "--timeout", "60"] + kafka)
            #expect(forced.status == 6, "\(forced.errors.suffix(2000))")
            #expect(forced.errors.contains("dead-letter topic"), "\(forced.errors)")

            // Waiting on a saga that cannot finish in time: exit 4.
            let slow = try await saga(["start", "order", "--payload", #"{"silent": "reserve"}"#, "--wait", "--timeout", "3", "--json"] + kafka)
            #expect(slow.status == 4, "\(slow.errors.suffix(2000))")
            #expect(try json(slow.output)["outcome"] as? String == "timed-out")

            // On a terminal: coloured lines, green for a completed saga; none with NO_COLOR.
            // (An empty NO_COLOR counts as unset; the test runner's environment may set it.)
            let coloured = try await sagaOnTerminal(["start", "order", "--wait"] + kafka, environment: ["NO_COLOR": ""])
            #expect(coloured.status == 0, "\(coloured.output.suffix(2000))")
            #expect(coloured.output.contains("\u{1B}[1;32m=> "), "\(coloured.output.suffix(500))")
            let plain = try await sagaOnTerminal(["start", "order", "--wait"] + kafka, environment: ["NO_COLOR": "1"])
            #expect(plain.status == 0 && plain.output.contains("order completed"), "\(plain.output.suffix(2000))")
            #expect(!plain.output.contains("\u{1B}["), "\(plain.output.suffix(500))")

            // status, from the orchestrator's store, with the step names from the definitions.
            let status = try await saga(["status", completedID, "--json", "--store", "sqlite:\(storePath)", "--definitions", system.definitions.path])
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
            let cancelled = try await saga(["status", silentID, "--store", "sqlite:\(storePath)"])
            #expect(cancelled.status == 0, "\(cancelled.errors)")
            #expect(cancelled.output.contains("compensated") && cancelled.output.contains("cancelled by operator: customer called"), "\(cancelled.output)")

            // list: by state, as JSON and as a table.
            let list = try await saga(["list", "--state", "completed", "--json"], environment: ["SAGA_STORE_URL": "sqlite:\(storePath)"])
            #expect(list.status == 0, "\(list.errors)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
            let listed = rows.compactMap { $0["sagaId"] as? String }
            #expect(listed.count == 3 && listed.contains(completedID) && !listed.contains(refusedID) && !listed.contains(silentID), "\(listed)")
            #expect(rows.allSatisfy { $0["status"] as? String == "completed" && $0["sagaType"] as? String == "order" && $0["terminal"] as? Bool == true })
            let table = try await saga(["list", "--state", "compensated,active", "--store", "sqlite:\(storePath)"])
            #expect(table.status == 0, "\(table.errors)")
            #expect(table.output.contains(refusedID) && table.output.contains(silentID) && !table.output.contains(completedID), "\(table.output)")

            // Ids as saga dev and saga watch print them: the first 8 characters are enough for
            // status and the controls (resolved in the store); the control carries the full id.
            let short = String(completedID.prefix(8))
            let byPrefix = try await saga(["status", short, "--json", "--store", "sqlite:\(storePath)"])
            #expect(byPrefix.status == 0, "\(byPrefix.errors)")
            #expect(try json(byPrefix.output)["sagaId"] as? String == completedID)
            let stuck = try await saga(["start", "order", "--payload", #"{"silent": "charge", "silentCompensate": "charge"}"#, "--json"] + kafka)
            let stuckID = try #require(try json(stuck.output)["sagaId"] as? String)
            let pauseShort = try await saga(["pause", String(stuckID.prefix(8)), "--store", "sqlite:\(storePath)", "--wait", "--timeout", "60"] + kafka)
            #expect(pauseShort.status == 0, "\(pauseShort.output) \(pauseShort.errors.suffix(2000))")
            #expect(pauseShort.output.contains("sent pause for saga \(stuckID)"), "\(pauseShort.output)")
            #expect(try await saga(["resume", stuckID, "--store", "sqlite:\(storePath)", "--wait", "--timeout", "60"] + kafka).status == 0)
            // compensate --wait ends on the orchestrator's answer (the compensation started), even
            // when a participant does not answer its compensate command.
            let compensate = try await saga(["compensate", String(stuckID.prefix(10)), "--store", "sqlite:\(storePath)", "--wait", "--timeout", "60"] + kafka)
            #expect(compensate.status == 0, "\(compensate.output) \(compensate.errors.suffix(2000))")
            #expect(compensate.output.contains("compensationStarted") && compensate.output.contains("=> compensate applied: saga \(stuckID) is compensating"), "\(compensate.output)")
            // A prefix of several ids is an error listing them; one of none is exit 5.
            for id in ["dup-aaa-1", "dup-aaa-2"] {
                #expect(try await saga(["start", "order", "--saga-id", id, "--wait", "--timeout", "60"] + kafka).status == 0)
            }
            let ambiguous = try await saga(["status", "dup-aaa", "--store", "sqlite:\(storePath)"])
            #expect(ambiguous.status == 1 && ambiguous.errors.contains("dup-aaa-1, dup-aaa-2"), "\(ambiguous.errors)")
            let ambiguousControl = try await saga(["cancel", "dup-aaa", "--store", "sqlite:\(storePath)"] + kafka)
            #expect(ambiguousControl.status == 1 && ambiguousControl.errors.contains("dup-aaa-1, dup-aaa-2"), "\(ambiguousControl.errors)")
            let none = try await saga(["cancel", "zzzz", "--store", "sqlite:\(storePath)"] + kafka)
            #expect(none.status == 5 && none.errors.contains("no saga with id 'zzzz'"), "\(none.errors)")

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

        }
        #expect(try await orchestrator.stop(timeout: .seconds(30)) == 0, "\(orchestrator.output.suffix(2000))")
        try await system.shutdown()
    }
}
