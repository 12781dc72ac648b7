/// A length of time in milliseconds, written in definitions as `500ms`, `2s`, `5m`, `1h` or `1d`.
public struct SagaDuration: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The length in milliseconds; never negative.
    public var milliseconds: Int64

    /// Creates a duration from milliseconds.
    @inlinable
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// A duration of `value` milliseconds.
    public static func milliseconds(_ value: Int64) -> SagaDuration { SagaDuration(milliseconds: value) }
    /// A duration of `value` seconds.
    public static func seconds(_ value: Int64) -> SagaDuration { SagaDuration(milliseconds: value * 1_000) }
    /// A duration of `value` minutes.
    public static func minutes(_ value: Int64) -> SagaDuration { SagaDuration(milliseconds: value * 60_000) }
    /// A duration of `value` hours.
    public static func hours(_ value: Int64) -> SagaDuration { SagaDuration(milliseconds: value * 3_600_000) }

    @inlinable
    public static func < (lhs: SagaDuration, rhs: SagaDuration) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    /// Parses `<integer><unit>` where the unit is `ms`, `s`, `m`, `h` or `d`.
    ///
    /// - Parameter text: the text, for example `500ms` or `5m`.
    /// - Returns: the duration, or `nil` when the text is not a valid duration.
    public init?(parsing text: String) {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            let digits = text.dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int64(digits) else { continue }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            self.milliseconds = product
            return
        }
        return nil
    }

    /// The shortest exact textual form, for example `1500ms`, `2s`, `5m`.
    public var description: String {
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        for (suffix, factor) in units where milliseconds != 0 && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            self.milliseconds = value
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = SagaDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a duration")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
