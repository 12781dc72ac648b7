import Hummingbird

/// Turns every error a route throws into `application/problem+json`: a ``Problem`` as it is,
/// Hummingbird's own errors (404 for an unknown route, 413 for a body over the bound) with their
/// status, and anything else as a 500 that names no internals.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as any HTTPResponseError {
            throw Problem(error.status, error.status.reasonPhrase, detail: Self.detail(for: error.status, request))
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw Problem(.internalServerError, "Internal Server Error", detail: "the request failed inside the server; its log says why")
        }
    }

    private static func detail(for status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: "no route for \(request.method.rawValue) \(request.uri.path)"
        case .contentTooLarge: "the request body is larger than the server accepts"
        case .methodNotAllowed: "\(request.method.rawValue) is not allowed on \(request.uri.path)"
        default: status.reasonPhrase
        }
    }
}
