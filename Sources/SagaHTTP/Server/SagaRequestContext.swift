import Hummingbird
import HummingbirdWebSocket

/// The request context of every route: Hummingbird's core storage, and the WebSocket handler a
/// `/v1/ws` upgrade hands over.
public struct SagaRequestContext: RequestContext, WebSocketRequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// Where an upgrade route leaves its WebSocket handler.
    public let webSocket: WebSocketHandlerReference<Self>

    /// A context for one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
    }
}
