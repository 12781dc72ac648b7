import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A tiny OTLP/HTTP trace receiver on loopback, for tests and benchmarks: it answers every
/// `POST /v1/traces` with success, counts what arrived and, when asked, keeps the requests: those
/// sent as JSON (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) to read their spans back (``spans``),
/// protobuf ones as they came (``protobufBodies``), for a decoder outside this package to check.
public final class OTLPReceiver: Sendable {
    /// What arrived so far.
    public struct Counts: Sendable, Hashable {
        /// Export requests received.
        public var requests = 0
        /// Their body bytes.
        public var bytes = 0
    }

    private struct State {
        var counts = Counts()
        var bodies: [[UInt8]] = []
        var protobufBodies: [[UInt8]] = []
        var paths: Set<String> = []
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>
    private let keepBodies: Bool

    /// The port it listens on, on 127.0.0.1.
    public let port: Int

    /// The base URL to give an exporter (`OTEL_EXPORTER_OTLP_ENDPOINT`, `--otel-endpoint`).
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Starts listening on 127.0.0.1 on a free port.
    /// - Parameter keepBodies: keep request bodies, for ``spans`` and ``protobufBodies`` (a
    ///   benchmark leaves it off).
    public init(keepBodies: Bool = true) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let state = NIOLockedValueBox(State())
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(Handler(state: state, keepBodies: keepBodies))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            self.channel = channel
            self.port = channel.localAddress?.port ?? 0
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.group = group
        self.state = state
        self.keepBodies = keepBodies
    }

    /// Stops listening.
    public func stop() async {
        try? await channel.close().get()
        try? await group.shutdownGracefully()
    }

    /// What arrived so far.
    public var counts: Counts { state.withLockedValue { $0.counts } }

    /// The protobuf request bodies kept so far, in arrival order.
    public var protobufBodies: [[UInt8]] { state.withLockedValue { $0.protobufBodies } }

    /// The request paths seen.
    public var paths: Set<String> { state.withLockedValue { $0.paths } }

    /// The spans of every JSON request kept so far, in arrival order.
    public var spans: [ReceivedSpan] {
        state.withLockedValue { $0.bodies }.flatMap(ReceivedSpan.decode)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // One handler per connection, used on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: NIOLockedValueBox<State>
        let keepBodies: Bool
        var body: [UInt8] = []
        var isJSON = false
        var keepAlive = true

        init(state: NIOLockedValueBox<State>, keepBodies: Bool) {
            self.state = state
            self.keepBodies = keepBodies
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                body = []
                isJSON = head.headers.first(name: "content-type")?.hasPrefix("application/json") ?? false
                keepAlive = head.isKeepAlive
                let path = head.uri
                state.withLockedValue { _ = $0.paths.insert(path) }
            case .body(var buffer):
                if keepBodies {
                    body += buffer.readBytes(length: buffer.readableBytes) ?? []
                } else {
                    state.withLockedValue { $0.counts.bytes += buffer.readableBytes }
                }
            case .end:
                let kept = body
                let json = isJSON
                state.withLockedValue { state in
                    state.counts.requests += 1
                    if !kept.isEmpty {
                        state.counts.bytes += kept.count
                        if json {
                            state.bodies.append(kept)
                        } else {
                            state.protobufBodies.append(kept)
                        }
                    }
                }
                body = []
                // An empty ExportTraceServiceResponse: no bytes in protobuf, `{}` in JSON.
                let answer: [UInt8] = json ? Array("{}".utf8) : []
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: json ? "application/json" : "application/x-protobuf")
                headers.add(name: "content-length", value: "\(answer.count)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer)))), promise: nil)
                let keepAlive = self.keepAlive
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { channel.close(promise: nil) }
                }
            }
        }
    }
}

/// One span as an OTLP/JSON export request carried it.
public struct ReceivedSpan: Sendable, Hashable {
    /// The `service.name` of the process that sent it.
    public var service: String
    /// The span's name.
    public var name: String
    /// Its trace id, as the request spelt it.
    public var traceID: String
    /// Its span id.
    public var spanID: String
    /// Its parent's span id; empty for a root span.
    public var parentSpanID: String
    /// Its string and integer attributes, as text.
    public var attributes: [String: String]

    /// The spans of one OTLP/JSON `ExportTraceServiceRequest`.
    static func decode(_ body: [UInt8]) -> [ReceivedSpan] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return [] }
        var spans: [ReceivedSpan] = []
        for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let resource = attributes((resourceSpans["resource"] as? [String: Any])?["attributes"])
            for scopeSpans in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scopeSpans["spans"] as? [[String: Any]] ?? [] {
                    spans.append(ReceivedSpan(
                        service: resource["service.name"] ?? "",
                        name: span["name"] as? String ?? "",
                        traceID: span["traceId"] as? String ?? "",
                        spanID: span["spanId"] as? String ?? "",
                        parentSpanID: span["parentSpanId"] as? String ?? "",
                        attributes: attributes(span["attributes"])
                    ))
                }
            }
        }
        return spans
    }

    private static func attributes(_ list: Any?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in list as? [[String: Any]] ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] else { continue }
            if let text = value["stringValue"] as? String {
                result[key] = text
            } else if let number = value["intValue"] {
                result[key] = "\(number)"
            } else if let flag = value["boolValue"] as? Bool {
                result[key] = "\(flag)"
            }
        }
        return result
    }
}
