import Foundation
import SagaTestKit
import Testing

/// `saga dev --otel-endpoint`: the one-command demo exports its sagas' spans, the orchestrator's
/// and the in-process example participants', as the orchestrator service does.
@Suite("saga dev with tracing", .timeLimit(.minutes(4)))
struct DevTracingTests {
    @Test("saga dev --otel-endpoint exports each demo saga's spans, saga → phase → step attempt → participant handler, one trace a saga")
    func devExportsSpans() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-dev-tracing-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let receiver = try await OTLPReceiver()
        let dev = try ChildProcess(
            Products.saga,
            ["dev", "--directory", directory.path, "--port", "\(try DevCommandTests.freePort())", "--http", "off", "--exit-after-demo",
             "--otel-endpoint", receiver.endpoint],
            // JSON, so the receiver can read the spans back.
            environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "200"]
        )
        let status = try await dev.waitForExit(timeout: .seconds(120))
        let spans = receiver.spans
        await receiver.stop()
        #expect(status == 0, "\(dev.errorOutput.suffix(2000)) \(dev.output.suffix(2000))")
        #expect(dev.output.contains("tracing: spans are exported to \(receiver.endpoint)"), "\(dev.output.prefix(1500))")

        let names = spans.map { "\($0.service): \($0.name)" }
        let sagas = spans.filter { $0.name == "saga user-update" }
        // The demo runs two sagas: one completes, one is compensated.
        #expect(sagas.count == 2, "\(names)")
        #expect(sagas.allSatisfy { $0.service == "saga-dev" })
        for saga in sagas {
            let trace = spans.filter { $0.traceID == saga.traceID }
            let phases = trace.filter { $0.name.hasPrefix("phase ") }
            #expect(!phases.isEmpty && phases.allSatisfy { $0.parentSpanID == saga.spanID }, "\(trace.map(\.name))")
            let attempts = trace.filter { $0.name.hasPrefix("step ") }
            let attemptIDs = Set(attempts.map(\.spanID))
            #expect(!attempts.isEmpty && attempts.allSatisfy { attempt in phases.contains { $0.spanID == attempt.parentSpanID } }, "\(trace.map(\.name))")
            // The participants' handlers run in the same process, under the attempt they answer.
            let handlers = trace.filter { attemptIDs.contains($0.parentSpanID) }
            #expect(!handlers.isEmpty, "no handler span under an attempt: \(trace.map(\.name))")
        }
    }
}
