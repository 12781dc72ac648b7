import Foundation
import Hummingbird

/// An error answered as `application/problem+json` (RFC 9457): a status, a short title safe to
/// count, and a `detail` that tells the client what to change.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short, fixed summary of the problem type.
    public var title: String
    /// What went wrong with this request, and what to do about it.
    public var detail: String
    /// Extra members of the problem document (the failed checks of `/ready`, say).
    public var extra: [String: String]
    /// Extra response headers (`WWW-Authenticate` for a 401).
    public var headers: HTTPFields = [:]

    /// A problem with `status`, `title` and `detail`.
    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, extra: [String: String] = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra
    }

    /// The problem document's media type.
    public static let mediaType = "application/problem+json"

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var document: [String: Any] = ["type": "about:blank", "title": title, "status": Int(status.code), "detail": detail]
        for (key, value) in extra { document[key] = value }
        let body = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        var fields = headers
        fields[.contentType] = Self.mediaType
        return Response(
            status: status,
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension Problem {
    /// This problem with a `WWW-Authenticate` challenge (for a 401).
    func with(challenge: String) -> Problem {
        var problem = self
        problem.headers[.wwwAuthenticate] = challenge
        return problem
    }

    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "Not Found", detail: detail) }
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "Bad Request", detail: detail) }
}
