import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import SagaRuntime
import ServiceLifecycle

/// `GET /v1/ws`: the live progress events of `/v1/events` over a WebSocket, with the same
/// filters (`sagaId`, `type`, `state`) and start (`from=beginning`, or `lastEventId`, the `id` of
/// the last event a reconnecting client saw), from the same ``ProgressFeed``.
///
/// The server sends text messages, each a JSON object: first `{"type":"open","position":ID}`,
/// then one `{"type":"progress","id":ID,"event":{...}}` per event, where `event` is the progress
/// event as on the topic. What the client sends is ignored; it closes the socket to stop. The
/// server closes it with 1001 (going away) at graceful shutdown, and with 1013 (try again later)
/// when it serves as many streams as it may.
struct WebSocketRoutes: Sendable {
    let orchestrator: Orchestrator
    let configuration: SagaHTTPConfiguration
    let streams: StreamCounter
    let logger: Logger

    /// The plain HTTP route: a request that is not an upgrade (or whose upgrade was refused:
    /// no token, a wrong filter) gets its error here, or 426.
    func addPlain(to router: Router<SagaRequestContext>) {
        router.get("/v1/ws") { request, _ -> Response in
            _ = try ProgressFeed.Request(parameters: request.uri.queryParameters, lastEventID: request.headers[EventRoutes.lastEventID])
            throw Problem(
                .upgradeRequired, "Upgrade Required",
                detail: "/v1/ws is a WebSocket: connect with 'Connection: Upgrade' and 'Upgrade: websocket' (or read /v1/events, Server-Sent Events)"
            )
        }
    }

    /// The upgrade route, on the router the server consults for upgrade requests.
    func addUpgrade(to router: Router<SagaRequestContext>) {
        router.ws("/v1/ws") { request, _ in
            // A request it cannot serve is not upgraded: the plain route answers it.
            _ = try ProgressFeed.Request(parameters: request.uri.queryParameters, lastEventID: request.headers[EventRoutes.lastEventID])
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let asked = try ProgressFeed.Request(
                parameters: context.request.uri.queryParameters, lastEventID: context.request.headers[EventRoutes.lastEventID]
            )
            let feed: ProgressFeed
            do {
                feed = try await ProgressFeed(asked, orchestrator: orchestrator, streams: streams, limit: configuration.maxEventStreams, logger: logger)
            } catch let problem as Problem {
                try await outbound.close(WebSocketErrorCode(codeNumber: 1013), reason: String(problem.detail.prefix(120)))
                return
            }
            let goingAway = try await withThrowingTaskGroup(of: Bool.self) { group in
                // Ends when the client closes its side.
                group.addTask {
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                    return false
                }
                group.addTask { try await Self.pump(feed, to: outbound) }
                let stoppedBySever = try await group.next() ?? false
                group.cancelAll()
                return stoppedBySever
            }
            await feed.close()
            if goingAway { try? await outbound.close(.goingAway, reason: "server shutting down") }
        }
    }

    /// Sends events until cancelled (the client went) or graceful shutdown (returns `true`).
    private static func pump(_ start: ProgressFeed, to outbound: WebSocketOutboundWriter) async throws -> Bool {
        var feed = start
        try await outbound.write(.text(#"{"type":"open","position":"\#(feed.position.id)"}"#))
        while !Task.isCancelled {
            if Task.isShuttingDownGracefully { return true }
            for event in try await feed.next(wait: EventRoutes.pollWait) {
                try await outbound.write(.text(#"{"type":"progress","id":"\#(event.id)","event":\#(String(decoding: event.value, as: UTF8.self))}"#))
            }
        }
        return false
    }
}
