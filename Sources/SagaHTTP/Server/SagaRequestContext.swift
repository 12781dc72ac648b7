import Hummingbird

/// The request context of every route: Hummingbird's core storage.
public struct SagaRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage

    /// A context for one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
