import ArgumentParser
import Logging
import OTLPTracing
import ServiceLifecycle
import Tracing

/// Span export for `saga orchestrator`, `saga participant example` and `saga dev`: when
/// `--otel-endpoint` (`SAGA_OTEL_ENDPOINT`, `otelEndpoint` in the file) or the standard
/// `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, ``OTLPTracer`` is
/// bootstrapped as the process's tracer, exporting over OTLP/HTTP (protobuf). The standard
/// `OTEL_*` variables tune it: `OTEL_TRACES_SAMPLER=parentbased_traceidratio` with
/// `OTEL_TRACES_SAMPLER_ARG=0.1` samples a tenth of the sagas, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`
/// sends JSON, `OTEL_EXPORTER_OTLP_HEADERS` adds headers. Otherwise nothing is bootstrapped: the
/// libraries see `NoOpTracer` and make no span.
struct TracingBootstrap {
    /// The OTLP/HTTP base URL spans go to (`/v1/traces` is appended), or `nil` when the full
    /// traces URL came from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`.
    let endpoint: String?
    /// The full traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), when no setting gave a base.
    let tracesEndpoint: String?

    /// Tracing's settings, or `nil` when it is off.
    /// - Parameters:
    ///   - setting: the `otelEndpoint` setting ("" when not given); it wins over the variables.
    ///   - environment: the process environment.
    init?(setting: String, environment: [String: String]) {
        if !setting.isEmpty {
            (endpoint, tracesEndpoint) = (setting, nil)
        } else if let traces = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], !traces.isEmpty {
            (endpoint, tracesEndpoint) = (nil, traces)
        } else if let standard = environment["OTEL_EXPORTER_OTLP_ENDPOINT"], !standard.isEmpty {
            (endpoint, tracesEndpoint) = (standard, nil)
        } else {
            return nil
        }
    }

    /// The logger metadata provider that adds `trace_id` and `span_id` to log lines written
    /// inside a span.
    static var metadataProvider: Logger.MetadataProvider { OTLPTracer.loggingMetadataProvider }

    /// Bootstraps the tracer and returns the exporter's service, to run first in the process's
    /// `ServiceGroup` (it stops last: its shutdown sends the spans still queued).
    /// - Parameters:
    ///   - serviceName: the `service.name` resource attribute (`OTEL_SERVICE_NAME` overrides it).
    ///   - environment: the process environment (its `OTEL_*` variables tune sampling, batching
    ///     and the request).
    ///   - logger: where failed exports and dropped spans are reported.
    /// - Throws: `ValidationError` naming the `OTEL_*` variable or the endpoint that cannot be used.
    func bootstrap(serviceName: String, environment: [String: String], logger: Logger) throws -> OTLPSpanExporter {
        var configuration = OTLPTracingConfiguration(endpoint: endpoint ?? "", serviceName: serviceName)
        configuration.tracesEndpoint = tracesEndpoint
        do {
            configuration = try configuration.applying(environment: environment)
            let (tracer, exporter) = try OTLPTracer.make(configuration, logger: logger)
            InstrumentationSystem.bootstrap(tracer)
            return exporter
        } catch let error as OTLPTracingError {
            throw ValidationError("tracing: \(error.message)")
        }
    }
}
