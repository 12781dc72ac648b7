/// Why the HTTP surface cannot start.
public struct SagaHTTPError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable { case configuration, listen }

    private let code: Code
    /// What is wrong, and what to change.
    public let message: String
    /// Where it was made.
    public let file: String
    public let line: Int

    /// A configuration the server refuses.
    static func configuration(_ message: String, file: String = #fileID, line: Int = #line) -> SagaHTTPError {
        SagaHTTPError(code: .configuration, message: message, file: file, line: line)
    }

    /// A listener that cannot bind its address.
    static func listen(_ message: String, file: String = #fileID, line: Int = #line) -> SagaHTTPError {
        SagaHTTPError(code: .listen, message: message, file: file, line: line)
    }

    /// A short description with no dynamic values, safe as a metric label.
    public var shortDescription: String {
        switch code {
        case .configuration: "invalid HTTP configuration"
        case .listen: "cannot listen"
        }
    }

    public var description: String { "\(shortDescription): \(message)" }
}
