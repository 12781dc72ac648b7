import Foundation
import InMemoryLogging
import Logging
import SagaTestKit
import ServiceLifecycle
import Testing
import Tracing

@testable import OTLPTracing

@Suite("Span export over OTLP/HTTP", .timeLimit(.minutes(2)))
struct OTLPSpanExporterTests {
    /// A tracer and its exporter to `receiver`, the exporter running for the length of `body`,
    /// then shut down gracefully (which sends what is left).
    private func withExporter(
        to endpoint: String, environment: [String: String] = [:], logger: Logger = Logger(label: "test.otlp"),
        _ body: (OTLPTracer) async throws -> Void
    ) async throws {
        let configuration = try OTLPTracingConfiguration(endpoint: endpoint, serviceName: "otlp-test").applying(environment: environment)
        let (tracer, exporter) = try OTLPTracer.make(configuration, logger: logger)
        let group = ServiceGroup(services: [exporter], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(tracer)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A saga-like trace: a server span, a child with attributes, an error status and an event,
    /// and a grandchild.
    private func recordTrace(_ tracer: OTLPTracer) -> (root: OTLPSpan, child: OTLPSpan, grandchild: OTLPSpan) {
        let root = tracer.startSpan("saga order", context: .topLevel, ofKind: .server)
        root.attributes["saga.id"] = "s-1"
        let child = tracer.startSpan("step reserve attempt 1", context: root.context, ofKind: .producer)
        child.updateAttributes { attributes in
            attributes["saga.step"] = "reserve"
            attributes["saga.attempt"] = 1
            attributes["saga.ratio"] = 0.5
            attributes["saga.retried"] = false
            attributes["saga.note"] = "quote \" and backslash \\ and\nnewline"
        }
        child.addEvent(SpanEvent(name: "sent"))
        child.setStatus(SpanStatus(code: .error, message: "stepRejected"))
        let grandchild = tracer.startSpan("inventory execute reserve", context: child.context, ofKind: .consumer)
        grandchild.end()
        child.end()
        root.end()
        return (root, child, grandchild)
    }

    @Test("OTLP/JSON: the spans arrive with their parents, kinds, attributes and status, at /v1/traces")
    func json() async throws {
        let receiver = try await OTLPReceiver()
        defer { Task { await receiver.stop() } }
        var ids: (root: OTLPSpanContext, child: OTLPSpanContext, grandchild: OTLPSpanContext)?
        try await withExporter(to: receiver.endpoint, environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]) { tracer in
            let trace = recordTrace(tracer)
            ids = (try #require(trace.root.context.otlpSpanContext), try #require(trace.child.context.otlpSpanContext),
                   try #require(trace.grandchild.context.otlpSpanContext))
            tracer.forceFlush()
            try await poll("the three spans at the receiver", within: .seconds(30)) { receiver.spans.count >= 3 }
        }
        let ids_ = try #require(ids)
        let spans = Dictionary(uniqueKeysWithValues: receiver.spans.map { ($0.name, $0) })
        #expect(spans.count == 3)
        #expect(receiver.paths == ["/v1/traces"])
        let root = try #require(spans["saga order"])
        let child = try #require(spans["step reserve attempt 1"])
        let grandchild = try #require(spans["inventory execute reserve"])
        #expect(Set([root.traceID, child.traceID, grandchild.traceID]) == ["\(ids_.root.traceID)"])
        #expect(root.parentSpanID.isEmpty)
        #expect(child.parentSpanID == "\(ids_.root.spanID)")
        #expect(grandchild.parentSpanID == "\(ids_.child.spanID)")
        #expect(grandchild.spanID == "\(ids_.grandchild.spanID)")
        #expect(root.service == "otlp-test")
        #expect(child.attributes["saga.step"] == "reserve")
        #expect(child.attributes["saga.attempt"] == "1")
        #expect(child.attributes["saga.note"] == "quote \" and backslash \\ and\nnewline")
    }

    @Test("OTLP protobuf: the OpenTelemetry project's own decoder (opentelemetry-proto) reads every field back")
    func protobuf() async throws {
        let receiver = try await OTLPReceiver()
        defer { Task { await receiver.stop() } }
        var trace: (root: OTLPSpan, child: OTLPSpan, grandchild: OTLPSpan)?
        try await withExporter(to: receiver.endpoint, environment: ["OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test"]) { tracer in
            trace = recordTrace(tracer)
            tracer.forceFlush()
            try await poll("a protobuf request at the receiver", within: .seconds(30)) { !receiver.protobufBodies.isEmpty }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("otlp-\(UUID().uuidString).pb")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(receiver.protobufBodies.flatMap { $0 }).write(to: file)
        let script = """
            import json, sys
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
            from google.protobuf.json_format import MessageToDict
            request = ExportTraceServiceRequest.FromString(open(sys.argv[1], 'rb').read())
            print(json.dumps(MessageToDict(request)))
            """
        let (status, output) = try await runProgram(["python3", "-c", script, file.path], timeout: .seconds(60))
        #expect(status == 0, "the decoder refused the request:\n\(output)")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        let resourceSpans = try #require((decoded["resourceSpans"] as? [[String: Any]])?.first)
        let resource = attributes((resourceSpans["resource"] as? [String: Any])?["attributes"])
        #expect(resource["service.name"] as? String == "otlp-test")
        #expect(resource["deployment.environment"] as? String == "test")
        let scopeSpans = try #require((resourceSpans["scopeSpans"] as? [[String: Any]])?.first)
        let spans = try #require(scopeSpans["spans"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: spans.map { ($0["name"] as? String ?? "", $0) })
        let (root, child, grandchild) = try #require(trace)
        func base64(_ words: UInt64...) -> String {
            Data(words.flatMap { word in withUnsafeBytes(of: word.bigEndian) { Array($0) } }).base64EncodedString()
        }
        let rootContext = try #require(root.context.otlpSpanContext)
        let childContext = try #require(child.context.otlpSpanContext)
        let decodedChild = try #require(byName["step reserve attempt 1"])
        #expect(decodedChild["traceId"] as? String == base64(rootContext.traceID.high, rootContext.traceID.low))
        #expect(decodedChild["spanId"] as? String == base64(childContext.spanID.value))
        #expect(decodedChild["parentSpanId"] as? String == base64(rootContext.spanID.value))
        #expect(decodedChild["kind"] as? String == "SPAN_KIND_PRODUCER")
        #expect(byName["saga order"]?["kind"] as? String == "SPAN_KIND_SERVER")
        #expect(byName["saga order"]?["parentSpanId"] == nil)
        #expect(byName["inventory execute reserve"]?["kind"] as? String == "SPAN_KIND_CONSUMER")
        #expect((byName["inventory execute reserve"]?["parentSpanId"] as? String) == base64(childContext.spanID.value))
        let status_ = decodedChild["status"] as? [String: Any]
        #expect(status_?["code"] as? String == "STATUS_CODE_ERROR")
        #expect(status_?["message"] as? String == "stepRejected")
        let childAttributes = attributes(decodedChild["attributes"])
        #expect(childAttributes["saga.step"] as? String == "reserve")
        #expect(childAttributes["saga.attempt"] as? String == "1")  // int64 maps to a JSON string
        #expect(childAttributes["saga.ratio"] as? Double == 0.5)
        #expect(childAttributes["saga.retried"] as? Bool == false)
        #expect(childAttributes["saga.note"] as? String == "quote \" and backslash \\ and\nnewline")
        #expect((decodedChild["events"] as? [[String: Any]])?.first?["name"] as? String == "sent")
        let start = UInt64(decodedChild["startTimeUnixNano"] as? String ?? "") ?? 0
        let end = UInt64(decodedChild["endTimeUnixNano"] as? String ?? "") ?? 0
        #expect(start > 1_600_000_000_000_000_000 && end >= start)
        _ = grandchild
    }

    /// OTLP/JSON's attribute list as a dictionary of the decoded values.
    private func attributes(_ list: Any?) -> [String: Any] {
        var result: [String: Any] = [:]
        for attribute in list as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            result[key] = value["stringValue"] ?? value["intValue"] ?? value["doubleValue"] ?? value["boolValue"] ?? false
        }
        return result
    }

    @Test("an unsampled parent: the child records nothing, propagates the cleared flag, and nothing is sent")
    func unsampled() async throws {
        let receiver = try await OTLPReceiver()
        defer { Task { await receiver.stop() } }
        try await withExporter(to: receiver.endpoint) { tracer in
            var parent = ServiceContext.topLevel
            tracer.extract(["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"], into: &parent, using: DictionaryExtractor())
            let span = tracer.startSpan("handler", context: parent, ofKind: .consumer)
            #expect(!span.isRecording)
            span.attributes["ignored"] = "yes"
            #expect(span.attributes.isEmpty)
            span.end()
            var injected: [String: String] = [:]
            tracer.inject(span.context, into: &injected, using: DictionaryInjector())
            let traceparent = try #require(injected["traceparent"])
            #expect(traceparent.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-"))
            #expect(traceparent.hasSuffix("-00"))
            #expect(!traceparent.contains("b7ad6b7169203331"))
            // A sampled span after it: once it arrives, the unsampled one would have too.
            tracer.startSpan("marker", context: .topLevel).end()
            tracer.forceFlush()
            try await poll("the marker span's request", within: .seconds(30)) { receiver.counts.requests >= 1 }
        }
        #expect(receiver.counts.requests == 1)
        #expect(receiver.protobufBodies.count == 1)
        #expect(!receiver.protobufBodies[0].contains(Array("handler".utf8)))
    }

    @Test("graceful shutdown sends the spans still queued, without waiting for the schedule")
    func shutdownFlush() async throws {
        let receiver = try await OTLPReceiver()
        defer { Task { await receiver.stop() } }
        let began = ContinuousClock.now
        // A schedule far longer than the test: only the shutdown can send them.
        try await withExporter(to: receiver.endpoint, environment: ["OTEL_BSP_SCHEDULE_DELAY": "600000", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]) { tracer in
            for index in 0..<100 { tracer.startSpan("span \(index)", context: .topLevel).end() }
        }
        #expect(receiver.spans.count == 100)
        #expect(ContinuousClock.now - began < .seconds(60))
    }

    @Test("a full batch is sent at once, before the schedule comes round")
    func fullBatch() async throws {
        let receiver = try await OTLPReceiver()
        defer { Task { await receiver.stop() } }
        try await withExporter(to: receiver.endpoint, environment: ["OTEL_BSP_SCHEDULE_DELAY": "600000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "50"]) { tracer in
            for index in 0..<50 { tracer.startSpan("span \(index)", context: .topLevel).end() }
            try await poll("the full batch's request", within: .seconds(30)) { receiver.counts.requests >= 1 }
        }
    }

    @Test("a collector that is down: the spans are dropped, one warning says so, nothing else is held up")
    func collectorDown() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test.otlp") { _ in logs }
        // A port that was just free: nothing listens there.
        let receiver = try await OTLPReceiver()
        let endpoint = receiver.endpoint
        await receiver.stop()
        try await withExporter(to: endpoint, environment: ["OTEL_BSP_SCHEDULE_DELAY": "50"], logger: logger) { tracer in
            for round in 0..<3 {
                tracer.startSpan("span \(round)", context: .topLevel).end()
                tracer.forceFlush()
                try await poll("export attempt \(round + 1) to fail", within: .seconds(30)) {
                    logs.entries.contains { $0.message.description.contains("span export failed") }
                }
            }
        }
        let warnings = logs.entries.filter { $0.message.description.contains("span export failed") }
        // The first failure is reported at once, the rest in one line at the end (or a minute on).
        #expect((1...2).contains(warnings.count), "\(warnings.map(\.message))")
        #expect(warnings.first?.level == .warning)
    }

    @Test("a full queue drops spans and counts them instead of growing or blocking")
    func queueFull() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test.otlp") { _ in logs }
        let receiver = try await OTLPReceiver()
        defer { Task { await receiver.stop() } }
        try await withExporter(
            to: receiver.endpoint, environment: ["OTEL_BSP_SCHEDULE_DELAY": "600000", "OTEL_BSP_MAX_QUEUE_SIZE": "10", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10000"],
            logger: logger
        ) { tracer in
            // The batch size is capped at the queue's (10), so the first ten are sent at once;
            // spans ended before the exporter takes them are dropped once ten wait.
            for index in 0..<1_000 { tracer.startSpan("span \(index)", context: .topLevel).end() }
        }
        let dropped = logs.entries.filter { $0.message.description.contains("spans dropped") }
            .compactMap { $0.metadata["dropped"].flatMap { Int("\($0)") } }.reduce(0, +)
        #expect(dropped > 0)
        #expect(receiver.counts.requests > 0)
    }
}

private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
