import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small HTTP client for the tests, over URLSession, against a real listener.
public struct HTTPTestClient: Sendable {
    /// The scheme, host and port requests go to, such as `http://127.0.0.1:8080`.
    public let base: String

    /// - Parameter base: The scheme, host and port requests go to.
    public init(base: String) { self.base = base }

    /// The port of ``base``.
    public var port: Int { URL(string: base)?.port ?? 80 }

    /// A response.
    public struct Answer: Sendable {
        /// The status code.
        public var status: Int
        /// The header fields.
        public var headers: [String: String]
        /// The body.
        public var body: Data
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The value of header `name`, of any case.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
        /// The body as a JSON object.
        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw HTTPTestFailure("not a JSON object: \(text)")
            }
            return object
        }
    }

    /// Sends GET `path`.
    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Answer {
        try await send("GET", path, body: nil, headers: headers)
    }

    /// Sends POST `path` with `json` text or `body` bytes (JSON content type unless `headers` say).
    public func post(_ path: String, json: String? = nil, body: Data? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var headers = headers
        if json != nil || body != nil, headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return try await send("POST", path, body: body ?? json.map { Data($0.utf8) }, headers: headers)
    }

    /// Sends `method` `path` with `body` and `headers`.
    /// - Throws: URLSession's errors; ``HTTPTestFailure`` when the answer is not HTTP.
    public func send(_ method: String, _ path: String, body: Data?, headers: [String: String]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw HTTPTestFailure("not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Answer(status: http.statusCode, headers: fields, body: data)
    }
}

/// What an ``HTTPTestClient`` or ``HTTPTestRun`` found wrong.
public struct HTTPTestFailure: Error, CustomStringConvertible {
    public var description: String
    /// - Parameter description: What is wrong.
    public init(_ description: String) { self.description = description }
}
