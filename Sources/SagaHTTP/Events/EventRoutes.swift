import Foundation
import HTTPTypes
import Hummingbird
import Kafka
import Logging
import SagaCore
import SagaRuntime
import ServiceLifecycle
import Synchronization

/// `GET /v1/events`: live progress events as Server-Sent Events, read from the progress topic by
/// a consumer of the stream's own (manual assignment: no group, no rebalance), filtered by saga
/// id, type and state. A stream starts at the end of the topic (`from=beginning` for all of it
/// that is still kept), or after the position a reconnecting client sends as `Last-Event-ID`.
/// Streams end at graceful shutdown.
struct EventRoutes: Sendable {
    let orchestrator: Orchestrator
    let configuration: SagaHTTPConfiguration
    let streams: StreamCounter
    let logger: Logger

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// How long a stream waits for events before it checks for shutdown.
    static let pollWait: Duration = .milliseconds(200)
    /// A comment line this often keeps proxies from closing a quiet stream.
    static let keepAlive: Duration = .seconds(15)

    func add(to router: Router<SagaRequestContext>) {
        router.get("/v1/events") { request, _ in try await stream(request) }
    }

    private func stream(_ request: Request) async throws -> Response {
        let asked = try ProgressFeed.Request(parameters: request.uri.queryParameters, lastEventID: request.headers[Self.lastEventID])
        let feed = try await ProgressFeed(asked, orchestrator: orchestrator, streams: streams, limit: configuration.maxEventStreams, logger: logger)
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                var feed = feed
                do {
                    try await Self.pump(&feed, into: &writer)
                } catch {
                    await feed.close()
                    throw error
                }
                await feed.close()
                try await writer.finish(nil)
            }
        )
    }

    /// Sends events until the client goes, the task is cancelled or the service shuts down.
    private static func pump(_ feed: inout ProgressFeed, into writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ByteBuffer(string: "retry: 2000\n: stream open at \(feed.position.id)\n\n"))
        var lastWrite = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var out = ""
            for event in try await feed.next(wait: pollWait) {
                out += "id: \(event.id)\nevent: progress\ndata: \(String(decoding: event.value, as: UTF8.self))\n\n"
            }
            if !out.isEmpty {
                try await writer.write(ByteBuffer(string: out))
                lastWrite = .now
            } else if ContinuousClock.now - lastWrite >= keepAlive {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                lastWrite = .now
            }
        }
    }
}

/// Counts open event streams against a bound.
final class StreamCounter: Sendable {
    private let count = Mutex(0)

    var open: Int { count.withLock { $0 } }

    func acquire(limit: Int) -> Bool {
        count.withLock { open in
            guard open < limit else { return false }
            open += 1
            return true
        }
    }

    func release() {
        count.withLock { $0 -= 1 }
    }
}
