import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Posts export requests to the collector: HTTP/1.1, one connection per request (a request a
/// second or so: not worth a pool), TLS for an `https` endpoint.
struct OTLPHTTPClient: Sendable {
    /// Where requests go.
    let endpoint: OTLPEndpoint
    /// Extra headers on every request (`OTEL_EXPORTER_OTLP_HEADERS`).
    let headers: [(name: String, value: String)]
    /// The TLS context for an `https` endpoint.
    private let tls: NIOSSLContext?

    /// - Parameters:
    ///   - endpoint: where requests go.
    ///   - headers: extra headers on every request.
    ///   - certificateFile: a PEM file of the certificate authorities to trust for `https`, in
    ///     place of the system's (`OTEL_EXPORTER_OTLP_CERTIFICATE`).
    /// - Throws: ``OTLPTracingError`` when the certificate file cannot be read.
    init(endpoint: OTLPEndpoint, headers: [(name: String, value: String)], certificateFile: String?) throws {
        self.endpoint = endpoint
        self.headers = headers
        if endpoint.isSecure {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let certificateFile {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificateFile))
                } catch {
                    throw OTLPTracingError.setting("OTEL_EXPORTER_OTLP_CERTIFICATE", certificateFile, "cannot be read as PEM certificates (\(error))")
                }
            }
            do {
                tls = try NIOSSLContext(configuration: configuration)
            } catch {
                throw OTLPTracingError.setting("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.description, "TLS cannot be set up (\(error))")
            }
        } else {
            tls = nil
        }
    }

    /// Posts `body` and returns the response's status code.
    /// - Throws: when the connection or the exchange fails.
    func post(_ body: [UInt8], contentType: String) async throws -> UInt {
        let endpoint = endpoint
        let tls = tls
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: endpoint.isAddress ? nil : endpoint.host)
                        )
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path)
        head.headers.add(name: "host", value: endpoint.hostHeader)
        head.headers.add(name: "content-type", value: contentType)
        head.headers.add(name: "content-length", value: "\(body.count)")
        head.headers.add(name: "connection", value: "close")
        head.headers.add(name: "user-agent", value: "saga-orchestrator-otlp")
        for header in headers { head.headers.add(name: header.name, value: header.value) }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status: UInt?
            for try await part in inbound {
                switch part {
                case .head(let response): status = response.status.code
                case .body: continue
                case .end: return status ?? 0
                }
            }
            throw OTLPTracingError.export("the collector closed the connection before answering")
        }
    }
}

/// An OTLP/HTTP traces URL, read once.
struct OTLPEndpoint: Sendable, CustomStringConvertible {
    var isSecure: Bool
    var host: String
    var port: Int
    var path: String

    /// Reads `http://host[:port][/path]` or `https://…`.
    /// - Parameters:
    ///   - url: the URL.
    ///   - appendingTracesPath: whether `url` is the base (`OTEL_EXPORTER_OTLP_ENDPOINT`, our
    ///     `--otel-endpoint`), to which `v1/traces` is added, rather than the full traces URL.
    ///   - setting: the setting's name, for the error.
    /// - Throws: ``OTLPTracingError`` naming the setting when it is not such a URL.
    init(_ url: String, appendingTracesPath: Bool, setting: String) throws {
        let rest: Substring
        if url.hasPrefix("http://") {
            isSecure = false
            rest = url.dropFirst(7)
        } else if url.hasPrefix("https://") {
            isSecure = true
            rest = url.dropFirst(8)
        } else {
            throw OTLPTracingError.setting(setting, url, "is not an http:// or https:// URL")
        }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty else { throw OTLPTracingError.setting(setting, url, "names no host") }
        host = String(hostPart)
        if let portPart {
            guard let port = Int(portPart), (1...65_535).contains(port) else {
                throw OTLPTracingError.setting(setting, url, "has no valid port")
            }
            self.port = port
        } else {
            port = isSecure ? 443 : 80
        }
        if appendingTracesPath {
            path = (path.hasSuffix("/") ? path : path + "/") + "v1/traces"
        } else if path.isEmpty {
            path = "/"
        }
        self.path = path
    }

    /// The `Host` header: the host, and the port unless it is the scheme's.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isSecure ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Whether the host is an IP address (which TLS's server name indication must not carry).
    var isAddress: Bool {
        host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
    }

    var description: String { (isSecure ? "https://" : "http://") + hostHeader + path }
}
