import Foundation
import Logging
import SagaClient
import SagaCore
import SagaTestKit
import Testing

/// Tracing across processes: `saga orchestrator` and `saga participant example controllable`,
/// both with `--otel-endpoint` pointing at an OTLP/HTTP receiver in the test, run one saga; the
/// receiver sees the saga, phase and step attempt spans of the orchestrator and the participant's
/// handler spans in one trace, linked parent → child.
@Suite("tracing across processes", .timeLimit(.minutes(5)))
struct TracingTests {
    @Test("a tracing variable that cannot be used stops the orchestrator at start, naming the variable and its value")
    func badTracingVariable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-tracing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try ChildProcess(Products.saga, [
            "orchestrator", "--bootstrap-servers", "127.0.0.1:1", "--store", "sqlite:\(directory.path)/saga.sqlite",
            "--definitions", ExampleParticipantCommandTests.definitions.path, "--otel-endpoint", "http://127.0.0.1:4318",
        ], environment: ["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "ten percent"])
        let status = try await child.waitForExit(timeout: .seconds(60))
        #expect(status != 0)
        #expect(child.errorOutput.contains("tracing: OTEL_TRACES_SAMPLER_ARG=ten percent is not a number from 0 to 1"), "\(child.errorOutput)")
    }

    @Test("one saga: saga → phase → step attempt (orchestrator) → handler (participant), one trace, exported over OTLP/HTTP; its progress events carry the trace id")
    func oneTraceAcrossProcesses() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-tracing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = try await OTLPReceiver()
        let broker = try await BrokerProcess(directory: directory, partitions: 2, topics: ["demo.users", "demo.payments", "demo.controllable"])
        // JSON, so the receiver can read the spans back; a short batch delay, so they come soon.
        let environment = ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "200"]
        let orchestrator = try LoggedChildProcess(
            Products.saga,
            broker.orchestratorArguments(store: "sqlite:\(directory.path)/saga.sqlite", definitions: ExampleParticipantCommandTests.definitions, group: "tracing-orchestrator")
                + ["--otel-endpoint", receiver.endpoint, "--log-format", "json"],
            log: directory.appendingPathComponent("orchestrator.log"), environment: environment
        )
        let ready = directory.appendingPathComponent("controllable.ready")
        let participant = try LoggedChildProcess(Products.saga, [
            "participant", "example", "controllable", "--bootstrap-servers", broker.bootstrap, "--ready-file", ready.path,
            "-X", "fetch.wait.max.ms=5", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
            "--otel-endpoint", receiver.endpoint, "--log-format", "json", "--log-level", "debug",
        ], log: directory.appendingPathComponent("controllable.log"), environment: environment)
        let logs = { "participant:\n\(participant.output.suffix(3000))\norchestrator:\n\(orchestrator.output.suffix(3000))" }

        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let progress = try ProgressCollector(consumer: broker.consumerConfiguration(groupID: "tracing-progress"), topic: "saga.progress", logger: quiet)
        let client = try SagaClient(producer: broker.producerConfiguration, commandsTopic: "saga.commands", logger: quiet)
        let (id, terminal) = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await progress.run() }
            // The ready file is written by another process, which tells no one: looked for until there.
            do {
                try await poll("the participant to hold partitions (its ready file)", within: .seconds(90), every: .milliseconds(50)) {
                    FileManager.default.fileExists(atPath: ready.path)
                }
            } catch {
                Issue.record("\(error): \(logs())")
                throw error
            }
            try await progress.waitUntilReady(within: .seconds(90))
            let ids = try await client.start([StartSagaCommand(sagaType: "controllable", payload: [:])])
            let terminal = await progress.waitForTerminal(ids, timeout: .seconds(120))
            group.cancelAll()
            try await group.waitForAll()
            return (ids[0], terminal)
        }
        await client.shutdown()
        #expect(terminal[id] == .completed, "\(String(describing: terminal[id])); \(logs())")

        // A graceful stop flushes what the exporters still hold.
        #expect(try await participant.stop(timeout: .seconds(30)) == 0, "\(logs())")
        #expect(try await orchestrator.stop(timeout: .seconds(30)) == 0, "\(logs())")
        try await broker.stop()

        let spans = receiver.spans
        await receiver.stop()
        let names = spans.map { "\($0.service): \($0.name)" }
        let saga = try #require(spans.first { $0.name == "saga controllable" && $0.attributes["saga.id"] == id }, "no saga span among \(names); \(logs())")
        let trace = spans.filter { $0.traceID == saga.traceID }
        #expect(saga.service == "saga-orchestrator")
        #expect(saga.parentSpanID.isEmpty, "a start without a traceparent: the saga span is the trace's root")

        let phases = trace.filter { $0.name.hasPrefix("phase ") }
        #expect(Set(phases.map(\.name)) == ["phase pending", "phase verify", "phase approve"], "\(names)")
        #expect(phases.allSatisfy { $0.parentSpanID == saga.spanID })

        // Two steps × three phases, each attempt under its phase, each answered by one handler span.
        let attempts = trace.filter { $0.name.hasPrefix("step ") }
        #expect(attempts.count == 6, "\(names)")
        let phaseByID = Dictionary(uniqueKeysWithValues: phases.map { ($0.spanID, $0) })
        for attempt in attempts {
            let phase = phaseByID[attempt.parentSpanID]
            #expect(phase?.name == "phase " + (attempt.attributes["saga.phase"] ?? "?"), "\(attempt.name) (\(attempt.attributes)) under \(String(describing: phase?.name))")
            #expect(attempt.attributes["saga.outcome"] == "stepSucceeded", "\(attempt.attributes)")
        }
        let handlers = trace.filter { $0.service == "controllable-participant" }
        #expect(handlers.count == 6, "\(names)")
        let attemptIDs = Set(attempts.map(\.spanID))
        for handler in handlers {
            #expect(attemptIDs.contains(handler.parentSpanID), "\(handler.name) is not a child of a step attempt span")
            #expect(handler.attributes["saga.outcome"] == "succeeded")
        }
        #expect(Set(handlers.map(\.parentSpanID)) == attemptIDs, "every attempt was answered under its own span")

        // The progress events name the trace (OTLP/JSON spells ids in hex or base64: compare both).
        let events = progress.events(of: id)
        let traceIDs = Set(events.compactMap(\.traceId))
        #expect(traceIDs.count == 1 && events.allSatisfy { $0.traceId != nil }, "\(events.map(\.traceId))")
        let hex = try #require(traceIDs.first)
        #expect(saga.traceID == hex || saga.traceID == Self.base64(hex: hex), "span trace \(saga.traceID), events \(hex)")

        // The participant's JSON log lines inside the handler's span carry its trace id.
        let handled = participant.outputLines(containing: "handled a command")
        #expect(handled.count == 6, "\(participant.output.suffix(2000))")
        #expect(handled.allSatisfy { $0.contains("\"trace_id\"") && $0.contains("\"span_id\"") }, "\(handled)")
    }

    private static func base64(hex: String) -> String {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}
