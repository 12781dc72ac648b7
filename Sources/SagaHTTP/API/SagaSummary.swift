import Foundation
import SagaStore

/// One saga in a listing.
struct SagaSummary: Encodable, Sendable {
    var id: String
    var type: String
    var version: Int
    var status: String
    var terminal: Bool
    var businessKey: String?
    var partition: Int32
    var createdAt: String
    var updatedAt: String

    init(_ record: SagaRecord) {
        id = record.id
        type = record.type
        version = record.version
        status = record.status
        terminal = record.isTerminal
        businessKey = record.businessKey
        partition = record.partition
        createdAt = isoTime(record.createdAt)
        updatedAt = isoTime(record.updatedAt)
    }
}

/// A page of sagas and the cursor of the next one (absent on the last page).
struct SagaPage: Encodable, Sendable {
    var items: [SagaSummary]
    var nextCursor: String?
}

/// Milliseconds since the epoch as an RFC 3339 time with milliseconds, in UTC.
func isoTime(_ milliseconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}
