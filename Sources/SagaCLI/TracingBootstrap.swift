import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Span export for `saga orchestrator` and `saga participant example`: when `--otel-endpoint`
/// (`SAGA_OTEL_ENDPOINT`, `otelEndpoint` in the file) or the standard `OTEL_EXPORTER_OTLP_ENDPOINT`
/// is set, swift-otel is bootstrapped as the process's tracer, exporting over OTLP/HTTP (protobuf;
/// the standard `OTEL_*` variables tune it: `OTEL_TRACES_SAMPLER=traceidratio` with
/// `OTEL_TRACES_SAMPLER_ARG=0.1` samples a tenth of the sagas, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`
/// sends JSON). Otherwise nothing is bootstrapped: the libraries see `NoOpTracer` and make no span.
struct TracingBootstrap {
    /// The OTLP/HTTP base URL spans go to (`/v1/traces` is appended).
    let endpoint: String

    /// Tracing's settings, or `nil` when it is off.
    /// - Parameters:
    ///   - setting: the `otelEndpoint` setting ("" when not given).
    ///   - environment: the process environment.
    init?(setting: String, environment: [String: String]) {
        if !setting.isEmpty {
            endpoint = setting
        } else if let standard = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !standard.isEmpty {
            endpoint = standard
        } else {
            return nil
        }
    }

    /// The logger metadata provider that adds `trace_id` and `span_id` to log lines written
    /// inside a span.
    static var metadataProvider: Logger.MetadataProvider { OTel.makeLoggingMetadataProvider() }

    /// Bootstraps the tracer and returns the exporter's service, to run in the process's
    /// `ServiceGroup` (its shutdown flushes the spans still queued).
    /// - Parameters:
    ///   - serviceName: the `service.name` resource attribute.
    ///   - environment: the process environment (its `OTEL_*` variables override these settings,
    ///     except the endpoint when `--otel-endpoint` gave one).
    ///   - logger: where swift-otel's own diagnostics go.
    func bootstrap(serviceName: String, environment: [String: String], logger: Logger) throws -> some Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // A saga makes 13 spans or more: at thousands of sagas a second the specification's batch
        // defaults (2,048 queued, 512 a request, every 5 s) drop most of them. Bigger batches, sent
        // every second; OTEL_BSP_* still override these.
        configuration.traces.batchSpanProcessor.maxQueueSize = 65_536
        configuration.traces.batchSpanProcessor.maxExportBatchSize = 8_192
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        configuration.traces.otlpExporter.endpoint = endpoint.hasSuffix("/v1/traces") ? endpoint : (endpoint.hasSuffix("/") ? endpoint + "v1/traces" : endpoint + "/v1/traces")
        var environment = environment
        // The setting wins over the standard variables, which swift-otel would otherwise apply on top.
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = nil
        environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = nil
        return try OTel.bootstrap(configuration: configuration, environment: environment)
    }
}
