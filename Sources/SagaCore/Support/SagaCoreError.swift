/// An error from the saga core.
///
/// A struct wrapping a private code, so cases can be added without breaking callers. ``shortDescription``
/// has no dynamic values and is safe as a metric label; ``message`` is for people.
public struct SagaCoreError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidDefinition
        case duplicateDefinition
        case unknownSagaType
        case malformedMessage
        case malformedState
        case invalidJSON
        case unencodable
    }

    private let code: Code
    /// A message for people, with the details.
    public let message: String
    /// The problems found, when the error is about a definition.
    public let issues: [DefinitionIssue]
    /// The file the error was made in.
    public let file: String
    /// The line the error was made at.
    public let line: Int

    private init(_ code: Code, message: String, issues: [DefinitionIssue] = [], file: String, line: Int) {
        self.code = code
        self.message = message
        self.issues = issues
        self.file = file
        self.line = line
    }

    /// A saga definition has problems; ``issues`` lists all of them.
    public static func invalidDefinition(_ issues: [DefinitionIssue], file: String = #fileID, line: Int = #line) -> SagaCoreError {
        SagaCoreError(.invalidDefinition, message: issues.map(\.description).joined(separator: "\n"), issues: issues, file: file, line: line)
    }

    /// A registry already holds this saga type at this version.
    public static func duplicateDefinition(type: String, version: Int, file: String = #fileID, line: Int = #line) -> SagaCoreError {
        SagaCoreError(.duplicateDefinition, message: "saga type '\(type)' version \(version) is already registered", file: file, line: line)
    }

    /// No definition is registered for a saga type (or version).
    public static func unknownSagaType(_ type: String, version: Int?, file: String = #fileID, line: Int = #line) -> SagaCoreError {
        let which = version.map { "'\(type)' version \($0)" } ?? "'\(type)'"
        return SagaCoreError(.unknownSagaType, message: "no saga definition registered for \(which)", file: file, line: line)
    }

    /// A message could not be decoded or failed validation; ``message`` is the reason to dead-letter it with.
    public static func malformedMessage(_ reason: String, file: String = #fileID, line: Int = #line) -> SagaCoreError {
        SagaCoreError(.malformedMessage, message: reason, file: file, line: line)
    }

    /// A saga state snapshot could not be decoded; ``message`` says why.
    public static func malformedState(_ reason: String, file: String = #fileID, line: Int = #line) -> SagaCoreError {
        SagaCoreError(.malformedState, message: reason, file: file, line: line)
    }

    /// Bytes that should be one JSON document are not; ``message`` says what is wrong and at which byte.
    public static func invalidJSON(_ reason: String, file: String = #fileID, line: Int = #line) -> SagaCoreError {
        SagaCoreError(.invalidJSON, message: reason, file: file, line: line)
    }

    /// A value cannot be written as JSON (a non-finite number, containers nested too deep); ``message`` says which.
    public static func unencodable(_ reason: String, file: String = #fileID, line: Int = #line) -> SagaCoreError {
        SagaCoreError(.unencodable, message: reason, file: file, line: line)
    }

    /// A short description with no dynamic values, safe as a metric label.
    public var shortDescription: String {
        switch code {
        case .invalidDefinition: return "invalid saga definition"
        case .duplicateDefinition: return "duplicate saga definition"
        case .unknownSagaType: return "unknown saga type"
        case .malformedMessage: return "malformed message"
        case .malformedState: return "malformed saga state"
        case .invalidJSON: return "invalid JSON"
        case .unencodable: return "unencodable value"
        }
    }

    public var description: String { "SagaCoreError(\(shortDescription)): \(message) [at \(file):\(line)]" }

    /// Errors are equal when their kind, message and issues are; where they were made does not count.
    public static func == (lhs: SagaCoreError, rhs: SagaCoreError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.issues == rhs.issues
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }

    /// Whether two errors have the same kind, whatever their details.
    public func isSameKind(as other: SagaCoreError) -> Bool { code == other.code }
}
