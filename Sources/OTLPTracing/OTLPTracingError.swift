/// Why tracing could not start or an export failed.
public struct OTLPTracingError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case setting
        case export
    }

    private let code: Code
    /// What went wrong, for a person.
    public let message: String
    /// Where it was made.
    public let file: String
    /// The line where it was made.
    public let line: Int

    private init(_ code: Code, _ message: String, file: String, line: Int) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// A setting (an `OTEL_*` variable or the endpoint) whose value cannot be used.
    static func setting(_ name: String, _ value: String, _ problem: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.setting, "\(name)=\(value) \(problem)", file: file, line: line)
    }

    /// An export request that failed.
    static func export(_ problem: String, file: String = #fileID, line: Int = #line) -> Self {
        Self(.export, problem, file: file, line: line)
    }

    /// A short description with no values in it, safe as a metric label.
    public var shortDescription: String {
        switch code {
        case .setting: "bad tracing setting"
        case .export: "span export failed"
        }
    }

    public var description: String { message }
}
