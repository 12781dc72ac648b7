import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small HTTP client for the tests, over URLSession, against a real listener.
struct HTTPTestClient: Sendable {
    let base: String

    /// The port of ``base``.
    var port: Int { URL(string: base)?.port ?? 80 }

    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
        /// The body as a JSON object.
        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TestFailure("not a JSON object: \(text)")
            }
            return object
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Answer {
        try await send("GET", path, body: nil, headers: headers)
    }

    func post(_ path: String, json: String? = nil, body: Data? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var headers = headers
        if json != nil || body != nil, headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return try await send("POST", path, body: body ?? json.map { Data($0.utf8) }, headers: headers)
    }

    func send(_ method: String, _ path: String, body: Data?, headers: [String: String]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw TestFailure("not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Answer(status: http.statusCode, headers: fields, body: data)
    }
}
