/// How ``OTLPTracer`` samples, batches and exports. The defaults suit a busy orchestrator;
/// ``applying(environment:)`` reads the standard `OTEL_*` variables over them.
public struct OTLPTracingConfiguration: Sendable {
    /// How export requests are encoded.
    public struct Encoding: Sendable, Hashable {
        let contentType: String
        let name: String

        /// `http/protobuf` (the default): OTLP's protobuf messages.
        public static let protobuf = Encoding(contentType: "application/x-protobuf", name: "http/protobuf")
        /// `http/json`: OTLP/JSON.
        public static let json = Encoding(contentType: "application/json", name: "http/json")
    }

    /// The OTLP/HTTP base URL; `v1/traces` is added to it (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    public var endpoint: String
    /// The full traces URL, used as it is when set (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
    public var tracesEndpoint: String?
    /// The `service.name` resource attribute (`OTEL_SERVICE_NAME`).
    public var serviceName: String
    /// More resource attributes (`OTEL_RESOURCE_ATTRIBUTES`, `key=value,…`).
    public var resourceAttributes: [(key: String, value: String)] = []
    /// Which traces are recorded (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`). Default:
    /// every trace, a child following its parent.
    public var sampler: OTLPSampler = .parentBasedAlwaysOn
    /// How requests are encoded (`OTEL_EXPORTER_OTLP_PROTOCOL`). Default: protobuf.
    public var encoding: Encoding = .protobuf
    /// Extra request headers, an API key say (`OTEL_EXPORTER_OTLP_HEADERS`).
    public var headers: [(name: String, value: String)] = []
    /// Certificate authorities to trust for an `https` endpoint, a PEM file
    /// (`OTEL_EXPORTER_OTLP_CERTIFICATE`). Default: the system's.
    public var certificateFile: String?
    /// How long one export request may take (`OTEL_EXPORTER_OTLP_TIMEOUT`). Default 10 s.
    public var exportTimeout: Duration = .seconds(10)
    /// How often queued spans are sent (`OTEL_BSP_SCHEDULE_DELAY`). Default 1 s: a saga makes
    /// 13 spans or more, and at thousands of sagas a second the specification's 5 s would need
    /// a very large queue.
    public var scheduleDelay: Duration = .seconds(1)
    /// The most ended spans held for export; more are dropped and counted (`OTEL_BSP_MAX_QUEUE_SIZE`).
    /// Default 65,536.
    public var maxQueueSize = 65_536
    /// The most spans in one request; a full batch is sent at once (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
    /// Default 8,192.
    public var maxExportBatchSize = 8_192

    /// - Parameters:
    ///   - endpoint: the OTLP/HTTP base URL (`http://collector:4318`, say).
    ///   - serviceName: the `service.name` resource attribute.
    public init(endpoint: String, serviceName: String) {
        self.endpoint = endpoint
        self.serviceName = serviceName
    }

    /// The traces URL requests go to.
    var resolvedEndpoint: OTLPEndpoint {
        get throws {
            if let tracesEndpoint {
                return try OTLPEndpoint(tracesEndpoint, appendingTracesPath: false, setting: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            }
            return try OTLPEndpoint(endpoint, appendingTracesPath: true, setting: "OTEL_EXPORTER_OTLP_ENDPOINT")
        }
    }
}

// MARK: - The standard variables

extension OTLPTracingConfiguration {
    /// This configuration with the standard `OTEL_*` variables of `environment` applied over it
    /// (the `_TRACES_` form of an exporter variable wins over the general one). The endpoint
    /// variables are not read here: the caller decides between them and its own setting.
    /// - Throws: ``OTLPTracingError`` naming the variable and its value when one cannot be used.
    public func applying(environment: [String: String]) throws -> Self {
        var configuration = self
        func value(_ names: String...) -> (name: String, value: String)? {
            for name in names {
                if let value = environment[name], !value.isEmpty { return (name, value) }
            }
            return nil
        }
        func count(_ name: String) throws -> Int? {
            guard let (name, text) = value(name) else { return nil }
            guard let number = Int(text.trimmingSpaces), number > 0 else {
                throw OTLPTracingError.setting(name, text, "is not a whole number above 0")
            }
            return number
        }
        func milliseconds(_ names: String...) throws -> Duration? {
            for name in names {
                guard let text = environment[name], !text.isEmpty else { continue }
                guard let number = Int(text.trimmingSpaces), number >= 0 else {
                    throw OTLPTracingError.setting(name, text, "is not a whole number of milliseconds")
                }
                return .milliseconds(number)
            }
            return nil
        }
        if let (_, name) = value("OTEL_SERVICE_NAME") { configuration.serviceName = name }
        if let (name, text) = value("OTEL_RESOURCE_ATTRIBUTES") {
            for pair in text.split(separator: ",") {
                guard let equals = pair.firstIndex(of: "="), !pair[..<equals].trimmingSpaces.isEmpty else {
                    throw OTLPTracingError.setting(name, text, "is not a list of key=value pairs (at \"\(pair)\")")
                }
                let key = pair[..<equals].trimmingSpaces.removingPercentEncoding
                let attribute = pair[pair.index(after: equals)...].trimmingSpaces.removingPercentEncoding
                if key == "service.name" {
                    // OTEL_SERVICE_NAME wins over it, as the specification says.
                    if value("OTEL_SERVICE_NAME") == nil { configuration.serviceName = attribute }
                } else {
                    configuration.resourceAttributes.append((key, attribute))
                }
            }
        }
        configuration.sampler = try Self.sampler(environment) ?? configuration.sampler
        if let (name, text) = value("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL") {
            switch text {
            case "http/protobuf": configuration.encoding = .protobuf
            case "http/json": configuration.encoding = .json
            case "grpc": throw OTLPTracingError.setting(name, text, "is not supported: use http/protobuf (the default) or http/json")
            default: throw OTLPTracingError.setting(name, text, "is not one of http/protobuf, http/json")
            }
        }
        if let (name, text) = value("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS") {
            for pair in text.split(separator: ",") {
                guard let equals = pair.firstIndex(of: "="), !pair[..<equals].trimmingSpaces.isEmpty else {
                    // The value may hold a secret: name the variable, not the text.
                    throw OTLPTracingError.setting(name, "…", "is not a list of name=value pairs")
                }
                configuration.headers.append((pair[..<equals].trimmingSpaces.removingPercentEncoding,
                                              pair[pair.index(after: equals)...].trimmingSpaces.removingPercentEncoding))
            }
        }
        if let (_, file) = value("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE") {
            configuration.certificateFile = file
        }
        if let timeout = try milliseconds("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_EXPORT_TIMEOUT") {
            configuration.exportTimeout = timeout
        }
        if let delay = try milliseconds("OTEL_BSP_SCHEDULE_DELAY") { configuration.scheduleDelay = delay }
        if let size = try count("OTEL_BSP_MAX_QUEUE_SIZE") { configuration.maxQueueSize = size }
        if let size = try count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") { configuration.maxExportBatchSize = size }
        configuration.maxExportBatchSize = min(configuration.maxExportBatchSize, configuration.maxQueueSize)
        return configuration
    }

    /// `OTEL_TRACES_SAMPLER` and its argument; `nil` when the variable is not set.
    private static func sampler(_ environment: [String: String]) throws -> OTLPSampler? {
        guard let name = environment["OTEL_TRACES_SAMPLER"], !name.isEmpty else { return nil }
        func ratio() throws -> Double {
            guard let text = environment["OTEL_TRACES_SAMPLER_ARG"], !text.isEmpty else { return 1 }
            guard let ratio = Double(text.trimmingSpaces), (0...1).contains(ratio) else {
                throw OTLPTracingError.setting("OTEL_TRACES_SAMPLER_ARG", text, "is not a number from 0 to 1")
            }
            return ratio
        }
        switch name {
        case "always_on": return OTLPSampler(root: .always, followsParent: false)
        case "always_off": return OTLPSampler(root: .never, followsParent: false)
        case "traceidratio": return OTLPSampler(root: .ratio(try ratio()), followsParent: false)
        case "parentbased_always_on": return OTLPSampler(root: .always)
        case "parentbased_always_off": return OTLPSampler(root: .never)
        case "parentbased_traceidratio": return OTLPSampler(root: .ratio(try ratio()))
        default:
            throw OTLPTracingError.setting("OTEL_TRACES_SAMPLER", name, "is not one of always_on, always_off, traceidratio, "
                                           + "parentbased_always_on, parentbased_always_off, parentbased_traceidratio")
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

extension String {
    /// `%XX` escapes decoded (W3C Baggage's encoding, which `OTEL_RESOURCE_ATTRIBUTES` and
    /// `OTEL_EXPORTER_OTLP_HEADERS` use); a malformed escape is kept as written.
    fileprivate var removingPercentEncoding: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var utf8 = Array(self.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = Hex.value(utf8.prefix(2)) {
                bytes.append(UInt8(value))
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
