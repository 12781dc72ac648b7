import Foundation
import SagaStore

/// The opaque `cursor` of a listing page: the position of the last saga of the page before,
/// base64url-encoded.
enum SagaCursor {
    static func encode(_ position: SagaQuery.Position) -> String {
        Data("\(position.updatedAt):\(position.id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// - Throws: a 400 ``Problem`` when `text` is not a cursor this server gave.
    static func decode(_ text: String) throws -> SagaQuery.Position {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
              let decoded = String(data: data, encoding: .utf8),
              let colon = decoded.firstIndex(of: ":"),
              let updatedAt = Int64(decoded[..<colon]),
              colon < decoded.endIndex
        else {
            throw Problem.badRequest("'cursor' is not a cursor this API gave (pass nextCursor of the previous page as it is)")
        }
        return SagaQuery.Position(updatedAt: updatedAt, id: String(decoded[decoded.index(after: colon)...]))
    }
}
