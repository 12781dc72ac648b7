import Testing

@testable import OTLPTracing

@Suite("Tracing settings from OTEL_* variables")
struct OTLPTracingConfigurationTests {
    private let base = OTLPTracingConfiguration(endpoint: "http://127.0.0.1:4318", serviceName: "saga-orchestrator")

    @Test("the standard variables tune sampling, encoding, headers, batching and the resource")
    func applied() throws {
        let configuration = try base.applying(environment: [
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=abc%3D%3D, tenant = blue",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=ignored,team=pay%20ments",
            "OTEL_SERVICE_NAME": "orders-orchestrator",
            "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_MAX_QUEUE_SIZE": "1000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "5000",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "3000",
        ])
        #expect(configuration.sampler == OTLPSampler(root: .ratio(0.1)))
        #expect(configuration.encoding == .json)
        #expect(configuration.headers.map { "\($0.name)=\($0.value)" } == ["x-api-key=abc==", "tenant=blue"])
        #expect(configuration.resourceAttributes.map { "\($0.key)=\($0.value)" } == ["deployment.environment=prod", "team=pay ments"])
        #expect(configuration.serviceName == "orders-orchestrator")
        #expect(configuration.scheduleDelay == .milliseconds(250))
        #expect(configuration.maxQueueSize == 1_000)
        // A batch is never bigger than the queue.
        #expect(configuration.maxExportBatchSize == 1_000)
        #expect(configuration.exportTimeout == .seconds(3))
    }

    @Test("with no variable the defaults stay: every trace, protobuf, a batch a second")
    func defaults() throws {
        let configuration = try base.applying(environment: [:])
        #expect(configuration.sampler == .parentBasedAlwaysOn)
        #expect(configuration.encoding == .protobuf)
        #expect(configuration.scheduleDelay == .seconds(1))
        #expect(try configuration.resolvedEndpoint.description == "http://127.0.0.1:4318/v1/traces")
    }

    @Test("a value that cannot be used is refused, naming the variable and the value", arguments: [
        ("OTEL_TRACES_SAMPLER", "sometimes", "OTEL_TRACES_SAMPLER=sometimes is not one of"),
        ("OTEL_TRACES_SAMPLER_ARG", "1.5", "OTEL_TRACES_SAMPLER_ARG=1.5 is not a number from 0 to 1"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0", "OTEL_BSP_MAX_QUEUE_SIZE=0 is not a whole number above 0"),
        ("OTEL_BSP_SCHEDULE_DELAY", "1s", "OTEL_BSP_SCHEDULE_DELAY=1s is not a whole number of milliseconds"),
        ("OTEL_RESOURCE_ATTRIBUTES", "team", "OTEL_RESOURCE_ATTRIBUTES=team is not a list of key=value pairs"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "secret-token", "OTEL_EXPORTER_OTLP_HEADERS=… is not a list of name=value pairs"),
    ])
    func refused(_ name: String, _ value: String, _ message: String) {
        var environment = [name: value]
        if name == "OTEL_TRACES_SAMPLER_ARG" { environment["OTEL_TRACES_SAMPLER"] = "traceidratio" }
        let error = #expect(throws: OTLPTracingError.self) { try base.applying(environment: environment) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "")")
        // A header's value may be a secret: never repeated.
        #expect(error?.message.contains("secret-token") == false)
    }

    @Test("an endpoint that is not an http(s) URL is refused; the traces URL is used as it is", arguments: [
        ("collector:4318", nil, "is not an http:// or https:// URL"),
        ("http://:4318", nil, "names no host"),
        ("http://collector:99999", nil, "has no valid port"),
        ("http://ignored", "https://collector.example/custom/traces", nil),
    ] as [(String, String?, String?)])
    func endpoints(_ endpoint: String, _ traces: String?, _ problem: String?) throws {
        var configuration = base
        configuration.endpoint = endpoint
        configuration.tracesEndpoint = traces
        if let problem {
            let error = #expect(throws: OTLPTracingError.self) { try configuration.resolvedEndpoint }
            #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
        } else {
            let resolved = try configuration.resolvedEndpoint
            #expect(resolved.description == "https://collector.example/custom/traces")
            #expect(resolved.isSecure && resolved.port == 443)
        }
    }
}
