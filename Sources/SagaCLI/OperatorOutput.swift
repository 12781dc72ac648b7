import Foundation

/// Writes `value` to standard output as one line of JSON with sorted keys (absent optionals
/// left out).
func writeJSONLine(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    writeLine(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// An instant in milliseconds since the epoch as ISO 8601 in UTC, `2026-11-23T19:38:23.123Z`.
func isoTime(milliseconds: Int64) -> String {
    isoStyle.format(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

private let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)

/// Rows as lines with their columns padded to line up; the last column is not padded.
func tableLines(_ rows: [[String]]) -> [String] {
    guard let columns = rows.map(\.count).max(), columns > 0 else { return [] }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    return rows.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
}
