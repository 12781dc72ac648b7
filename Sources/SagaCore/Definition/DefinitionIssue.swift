/// One problem found in a saga definition, with where it is, so a person can fix it.
public struct DefinitionIssue: Hashable, Sendable, CustomStringConvertible {
    /// The file the definition came from (`<code>` for one built in Swift).
    public var file: String
    /// The 1-based line, or 0 when unknown.
    public var line: Int
    /// The field's path, for example `steps[1].retry.maxAttempts`.
    public var field: String
    /// What is wrong, and what would be right.
    public var message: String

    /// Creates an issue.
    public init(file: String = "<code>", line: Int = 0, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`.
    public var description: String { "\(file):\(line): \(field): \(message)" }
}
