import Logging
import ServiceLifecycle
import Tracing

/// Sends the spans ``OTLPTracer`` queued to the collector: whenever a full batch is waiting, and
/// at least every `scheduleDelay`. A failed request is logged (at most once a minute, with the
/// count since) and its spans are dropped: tracing never holds the orchestrator back. At graceful
/// shutdown it sends what is left, each request within the export timeout, then stops.
public struct OTLPSpanExporter: Service {
    private let queue: SpanQueue
    private let client: OTLPHTTPClient
    private let encoding: OTLPTracingConfiguration.Encoding
    private let resource: OTLPResource
    private let scheduleDelay: Duration
    private let batchSize: Int
    private let exportTimeout: Duration
    private let logger: Logger

    init(configuration: OTLPTracingConfiguration, queue: SpanQueue, client: OTLPHTTPClient, logger: Logger) {
        self.queue = queue
        self.client = client
        encoding = configuration.encoding
        resource = OTLPResource(
            attributes: [
                ("service.name", .string(configuration.serviceName)),
                ("telemetry.sdk.name", .string("saga-orchestrator-otlp")),
                ("telemetry.sdk.language", .string("swift")),
            ] + configuration.resourceAttributes.map { ($0.key, .string($0.value)) },
            scopeName: "saga-orchestrator"
        )
        scheduleDelay = configuration.scheduleDelay
        batchSize = configuration.maxExportBatchSize
        exportTimeout = configuration.exportTimeout
        self.logger = logger
    }

    /// Where spans go.
    public var endpoint: String { client.endpoint.description }

    /// Sends batches until graceful shutdown, then what is left.
    public func run() async throws {
        var failures = FailureReport()
        await withGracefulShutdownHandler {
            while true {
                await queue.waitForWork(within: scheduleDelay)
                let isClosed = queue.isClosed
                await sendQueued(&failures)
                if isClosed || Task.isCancelled { break }
            }
        } onGracefulShutdown: {
            queue.close()
        }
        failures.flush(logger)
    }

    /// Sends everything queued, a batch a request.
    private func sendQueued(_ failures: inout FailureReport) async {
        while true {
            let (spans, dropped) = queue.take(upTo: batchSize)
            if dropped > 0 {
                logger.warning("spans dropped: the export queue was full", metadata: [
                    "dropped": "\(dropped)", "queue_capacity": "\(queue.capacity)", "endpoint": "\(client.endpoint)",
                ])
            }
            guard !spans.isEmpty else { return }
            let body = encoding == .json ? OTLPEncoding.json(spans, resource: resource) : OTLPEncoding.protobuf(spans, resource: resource)
            do {
                let status = try await withTimeout(exportTimeout) { [client, encoding] in
                    try await client.post(body, contentType: encoding.contentType)
                }
                if (200..<300).contains(status) {
                    failures.succeeded(logger)
                } else {
                    failures.failed(spans.count, reason: "the collector answered HTTP \(status)", logger)
                }
            } catch {
                failures.failed(spans.count, reason: "\(error)", logger)
            }
        }
    }

    private func withTimeout<Result: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // A real delay: the bound on one export request.
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let result = try await group.next(), let result else {
                throw OTLPTracingError.export("no answer within \(timeout)")
            }
            return result
        }
    }
}

/// Failed exports, reported when they start, then at most once a minute with the count since,
/// and when exports succeed again: a collector that is down does not flood the log.
private struct FailureReport {
    private var unreported = (requests: 0, spans: 0)
    private var lastReport: ContinuousClock.Instant?
    private var isFailing = false

    mutating func failed(_ spans: Int, reason: String, _ logger: Logger) {
        unreported.requests += 1
        unreported.spans += spans
        let now = ContinuousClock.now
        if !isFailing || lastReport.map({ now - $0 >= .seconds(60) }) ?? true {
            logger.warning("span export failed: the spans are dropped", metadata: [
                "reason": "\(reason)", "failed_requests": "\(unreported.requests)", "dropped_spans": "\(unreported.spans)",
            ])
            unreported = (0, 0)
            lastReport = now
        }
        isFailing = true
    }

    mutating func succeeded(_ logger: Logger) {
        guard isFailing else { return }
        flush(logger)
        logger.info("span export works again")
        isFailing = false
    }

    mutating func flush(_ logger: Logger) {
        guard unreported.requests > 0 else { return }
        logger.warning("span export failed: the spans are dropped", metadata: [
            "failed_requests": "\(unreported.requests)", "dropped_spans": "\(unreported.spans)",
        ])
        unreported = (0, 0)
    }
}
