/// The outcome of reading a definition file: the definition when it is valid, and every problem found.
public struct DefinitionLoadResult: Sendable {
    /// The definition, when there were no issues.
    public var definition: SagaDefinition?
    /// Every problem found, in file order.
    public var issues: [DefinitionIssue]
}
