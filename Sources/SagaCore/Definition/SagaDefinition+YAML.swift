import Yams

extension SagaDefinition {
    /// Reads a definition from YAML, collecting every problem with its file, line and field.
    ///
    /// ```yaml
    /// type: order-checkout        # required
    /// version: 2                  # default 1
    /// deadline: 10m               # default 1h
    /// steps:                      # required, at least one
    ///   - name: reserve-stock     # required, unique
    ///     topic: inventory.cmd    # required
    ///     dependsOn: [payment]    # default []
    ///     phases: [pending, verify, approve]   # default all three
    ///     timeout: 5s             # per attempt, default 30s
    ///     retry: {maxAttempts: 3, initialBackoff: 200ms, multiplier: 2, maxBackoff: 10s, jitter: 0.2}
    ///     compensationRetry: {maxAttempts: 10, initialBackoff: 500ms, multiplier: 2, maxBackoff: 30s, jitter: 0.2}
    /// ```
    ///
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - file: the file name to report problems against.
    public static func parse(yaml: String, file: String) -> DefinitionLoadResult {
        var reader = DefinitionReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return DefinitionLoadResult(definition: nil, issues: [reader.issue(forYAMLError: error)])
        }
        guard let root else {
            return DefinitionLoadResult(definition: nil, issues: [DefinitionIssue(file: file, line: 1, field: "", message: "the file is empty")])
        }
        let definition = reader.readDefinition(root)
        // Semantic checks; a field that already has a type error is not reported twice.
        let semantic = definition.validate(file: file, lines: reader.lines).filter { issue in
            !reader.issues.contains { issue.field == $0.field || issue.field.hasPrefix($0.field + ".") || issue.field.hasPrefix($0.field + "[") }
        }
        let issues = (reader.issues + semantic).sorted { ($0.line, $0.field) < ($1.line, $1.field) }
        return DefinitionLoadResult(definition: issues.isEmpty ? definition : nil, issues: issues)
    }

    /// Reads a definition from YAML.
    /// - Throws: ``SagaCoreError/invalidDefinition(_:file:line:)`` with every problem found.
    public static func load(yaml: String, file: String) throws(SagaCoreError) -> SagaDefinition {
        let result = parse(yaml: yaml, file: file)
        guard let definition = result.definition else { throw .invalidDefinition(result.issues) }
        return definition
    }
}
