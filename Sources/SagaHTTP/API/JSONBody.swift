import Hummingbird
import SagaCore

/// A request's JSON body, read up to the configured bound and parsed by the saga core's reader,
/// whose errors name the byte where the document went wrong.
struct JSONBody {
    let members: [String: JSONValue]

    /// Reads and parses the body; an empty body is an empty object.
    /// - Throws: ``Problem`` 413 over `limit`, 400 when it is not a JSON object.
    static func read(_ request: Request, limit: Int) async throws -> JSONBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw Problem(.contentTooLarge, "Content Too Large", detail: "the request body is larger than \(limit) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return JSONBody(members: [:]) }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes)
        } catch {
            throw Problem.badRequest("the body is \(error.message)")
        }
        guard case .object(let members) = value else {
            throw Problem.badRequest("the body must be a JSON object")
        }
        return JSONBody(members: members)
    }

    /// An optional string member.
    func string(_ name: String) throws -> String? {
        switch members[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw Problem(.unprocessableContent, "Unprocessable Content", detail: "'\(name)' must be a string")
        }
    }

    /// An optional integer member.
    func int(_ name: String) throws -> Int? {
        switch members[name] {
        case nil, .null?: return nil
        case .int(let value)?: return Int(value)
        default: throw Problem(.unprocessableContent, "Unprocessable Content", detail: "'\(name)' must be an integer")
        }
    }

    /// Throws a 422 naming the first member not in `allowed`.
    func only(_ allowed: Set<String>) throws {
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem(.unprocessableContent, "Unprocessable Content", detail: "unknown member '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}
