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

/// Milliseconds since the epoch as an RFC 3339 time with milliseconds, in UTC
/// (`2026-12-04T17:45:43.120Z`), written by hand: a listing formats several per saga, and a
/// date formatter per call cost more than the rest of the answer.
func isoTime(_ milliseconds: Int64) -> String {
    var seconds = time_t(milliseconds.quotientRounded(by: 1000))
    let millis = Int(milliseconds - Int64(seconds) * 1000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
    return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2)
        + "T" + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2)
        + "." + pad(Int32(millis), 3) + "Z"
}

extension Int64 {
    /// The quotient rounded toward minus infinity (so times before 1970 format right too).
    fileprivate func quotientRounded(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }
}
