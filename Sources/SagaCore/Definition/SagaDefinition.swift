/// A saga type at one version: its steps (a DAG) and its deadline.
///
/// Load one from YAML with ``SagaDefinition/load(yaml:file:)`` or build one in code, then
/// ``compile()`` it into a ``SagaPlan`` that the state machine runs.
public struct SagaDefinition: Hashable, Sendable {
    /// The saga type's name, for example `order-checkout`.
    public var type: String
    /// The definition's version; several versions of a type can be registered at once.
    public var version: Int
    /// The steps, in any order (the order is only used to break ties).
    public var steps: [StepDefinition]
    /// The time a saga has, from its start, to finish its three phases before it is compensated. Default: `1h`.
    public var deadline: SagaDuration

    /// The default saga deadline, `1h`.
    public static let defaultDeadline = SagaDuration.hours(1)

    /// Creates a definition.
    public init(type: String, version: Int = 1, steps: [StepDefinition], deadline: SagaDuration = SagaDefinition.defaultDeadline) {
        self.type = type
        self.version = version
        self.steps = steps
        self.deadline = deadline
    }
}
