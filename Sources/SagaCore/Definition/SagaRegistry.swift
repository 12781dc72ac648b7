/// The saga definitions an orchestrator knows, several versions of a type at once.
///
/// A new saga starts on the version its start command names, or the latest one; a running saga stays
/// pinned to the version recorded in its ``SagaState`` (look it up with ``plan(type:version:)``).
public struct SagaRegistry: Sendable {
    private var plans: [String: [Int: SagaPlan]] = [:]

    /// Creates an empty registry.
    public init() {}

    /// Creates a registry holding `definitions`.
    /// - Throws: ``SagaCoreError`` when one is invalid or two have the same type and version.
    public init(_ definitions: [SagaDefinition]) throws(SagaCoreError) {
        for definition in definitions { try register(definition) }
    }

    /// Validates, compiles and adds a definition.
    /// - Returns: the compiled plan.
    /// - Throws: ``SagaCoreError/invalidDefinition(_:file:line:)`` or ``SagaCoreError/duplicateDefinition(type:version:file:line:)``.
    @discardableResult
    public mutating func register(_ definition: SagaDefinition) throws(SagaCoreError) -> SagaPlan {
        if plans[definition.type]?[definition.version] != nil {
            throw .duplicateDefinition(type: definition.type, version: definition.version)
        }
        let plan = try definition.compile()
        plans[definition.type, default: [:]][definition.version] = plan
        return plan
    }

    /// The plan of `type` at `version`.
    public func plan(type: String, version: Int) -> SagaPlan? {
        plans[type]?[version]
    }

    /// The plan with the highest version of `type`.
    public func latest(type: String) -> SagaPlan? {
        plans[type]?.max { $0.key < $1.key }?.value
    }

    /// The plan a saga in `state` runs: the version it started with.
    public func plan(for state: SagaState) -> SagaPlan? {
        plan(type: state.sagaType, version: state.sagaVersion)
    }

    /// The machine that runs a saga in `state`, on the version it started with.
    /// - Parameter replyTopic: the topic participants reply to.
    public func machine(for state: SagaState, replyTopic: String) -> SagaMachine? {
        plan(for: state).map { SagaMachine(plan: $0, replyTopic: replyTopic) }
    }

    /// The plan a start command asks for: its version if given, else the latest.
    /// - Throws: ``SagaCoreError/unknownSagaType(_:version:file:line:)``.
    public func plan(for start: StartSagaCommand) throws(SagaCoreError) -> SagaPlan {
        let found = start.sagaVersion.map { plan(type: start.sagaType, version: $0) } ?? latest(type: start.sagaType)
        guard let found else { throw .unknownSagaType(start.sagaType, version: start.sagaVersion) }
        return found
    }

    /// Every registered (type, version), sorted.
    public var versions: [(type: String, version: Int)] {
        plans.flatMap { type, byVersion in byVersion.keys.map { (type: type, version: $0) } }
            .sorted { ($0.type, $0.version) < ($1.type, $1.version) }
    }
}
