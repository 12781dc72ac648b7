import Crypto
import Hummingbird

/// Checks the bearer token of every `/v1` request when tokens are configured: no token or an
/// unknown one is a 401, a `read` token on anything but GET or HEAD a 403. With no tokens, the
/// server only listens on loopback (see ``SagaHTTPConfiguration/validate()``) and lets every
/// request through. `/health`, `/ready` and `/metrics` need no token.
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [APIToken]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !tokens.isEmpty, Self.isProtected(request.uri.path) else {
            return try await next(request, context)
        }
        // A browser's EventSource and WebSocket cannot send headers: the event streams also take
        // the token as the access_token parameter (RFC 6750, section 2.3).
        let streams = request.uri.path == "/v1/events" || request.uri.path == "/v1/ws"
        let queryToken = streams ? request.uri.queryParameters["access_token"].map { "Bearer " + $0 } : nil
        guard let header = request.headers[.authorization] ?? queryToken, header.lowercased().hasPrefix("bearer ") else {
            throw Problem(.unauthorized, "Unauthorized", detail: "this API needs a bearer token: send 'Authorization: Bearer TOKEN'")
                .with(challenge: "Bearer realm=\"saga\"")
        }
        let presented = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        let digest = Array(SHA256.hash(data: Array(presented.utf8)))
        // Every token is compared, so the time taken does not tell which one came close.
        var found: APIToken?
        for token in tokens where token.matches(digest: digest) { found = token }
        guard let token = found else {
            throw Problem(.unauthorized, "Unauthorized", detail: "the bearer token is not one this server accepts")
                .with(challenge: "Bearer realm=\"saga\", error=\"invalid_token\"")
        }
        let reading = request.method == .get || request.method == .head
        if !reading && token.role < .operate {
            throw Problem(.forbidden, "Forbidden", detail: "token '\(token.name)' has role read; \(request.method.rawValue) \(request.uri.path) needs role operate")
        }
        return try await next(request, context)
    }

    /// The API's routes need a token; the probes and the scrape do not.
    static func isProtected(_ path: String) -> Bool {
        path == "/v1" || path.hasPrefix("/v1/")
    }
}
