/// An instant, in milliseconds since the Unix epoch.
///
/// The core never reads a clock: the runtime passes the current time into every transition
/// as a `SagaTime`, so the same inputs at the same times always give the same outputs.
public struct SagaTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// Creates an instant from milliseconds since the Unix epoch.
    /// - Parameter milliseconds: milliseconds since 1970-01-01T00:00:00Z.
    @inlinable
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The instant `duration` after this one (saturating at `Int64.max`).
    @inlinable
    public func advanced(by duration: SagaDuration) -> SagaTime {
        let (sum, overflow) = milliseconds.addingReportingOverflow(duration.milliseconds)
        return SagaTime(milliseconds: overflow ? .max : sum)
    }

    @inlinable
    public static func < (lhs: SagaTime, rhs: SagaTime) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    public var description: String { "\(milliseconds)ms" }

    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }
}
