/// One step of a saga: a participant reached through its command topic.
public struct StepDefinition: Hashable, Sendable {
    /// The step's name, unique in its saga.
    public var name: String
    /// The participant's command topic.
    public var topic: String
    /// The steps whose pending command must succeed before this one is sent. Default: none.
    public var dependsOn: [String]
    /// The phases the step takes part in. Default: all three.
    public var phases: StepPhases
    /// How long one attempt may take before it counts as failed and is retried. Default: `30s`.
    public var timeout: SagaDuration
    /// The retry policy of the pending, verify and approve commands. Default: ``RetryPolicy/stepDefault``.
    public var retry: RetryPolicy
    /// The retry policy of the compensate command. Default: ``RetryPolicy/compensationDefault``.
    public var compensationRetry: RetryPolicy

    /// The default attempt timeout, `30s`.
    public static let defaultTimeout = SagaDuration.seconds(30)

    /// Creates a step; every optional parameter has the documented default.
    public init(
        name: String,
        topic: String,
        dependsOn: [String] = [],
        phases: StepPhases = .all,
        timeout: SagaDuration = StepDefinition.defaultTimeout,
        retry: RetryPolicy = .stepDefault,
        compensationRetry: RetryPolicy = .compensationDefault
    ) {
        self.name = name
        self.topic = topic
        self.dependsOn = dependsOn
        self.phases = phases
        self.timeout = timeout
        self.retry = retry
        self.compensationRetry = compensationRetry
    }
}
