/// A validated, compiled ``SagaDefinition``: the immutable, shared form the state machine runs.
///
/// Steps are addressed by index; dependencies and dependents are precomputed so a transition does no
/// name lookups or graph work beyond its own step.
public final class SagaPlan: Sendable {
    /// One compiled step.
    public struct Step: Sendable {
        /// The step's definition.
        public let definition: StepDefinition
        /// The indices of the steps it depends on.
        public let dependencies: [Int]
        /// The indices of the steps that depend on it.
        public let dependents: [Int]
        /// The step's name.
        public var name: String { definition.name }
    }

    /// The definition it was compiled from.
    public let definition: SagaDefinition
    /// The compiled steps, in the definition's order.
    public let steps: [Step]
    /// The execution order: layers of steps that can run in parallel, each after the layers before it.
    public let layers: [[Int]]
    private let indexByName: [String: Int]

    /// The saga type.
    public var type: String { definition.type }
    /// The definition's version.
    public var version: Int { definition.version }

    /// Compiles a definition.
    /// - Throws: ``SagaCoreError/invalidDefinition(_:file:line:)`` with every problem, when it is not valid.
    public init(_ definition: SagaDefinition) throws(SagaCoreError) {
        let issues = definition.validate()
        guard issues.isEmpty else { throw .invalidDefinition(issues) }
        self.definition = definition
        var indexByName: [String: Int] = [:]
        for (index, step) in definition.steps.enumerated() { indexByName[step.name] = index }
        let dependencies = definition.steps.map { $0.dependsOn.map { indexByName[$0]! } }
        var dependents = [[Int]](repeating: [], count: definition.steps.count)
        for (index, deps) in dependencies.enumerated() {
            for dependency in deps { dependents[dependency].append(index) }
        }
        self.steps = definition.steps.indices.map {
            Step(definition: definition.steps[$0], dependencies: dependencies[$0], dependents: dependents[$0])
        }
        self.indexByName = indexByName
        // Kahn's algorithm, one layer at a time; validation ruled out cycles.
        var remaining = dependencies.map(\.count)
        var layer = remaining.indices.filter { remaining[$0] == 0 }
        var layers: [[Int]] = []
        while !layer.isEmpty {
            layers.append(layer)
            var next: [Int] = []
            for index in layer {
                for dependent in dependents[index] {
                    remaining[dependent] -= 1
                    if remaining[dependent] == 0 { next.append(dependent) }
                }
            }
            layer = next.sorted()
        }
        self.layers = layers
    }

    /// The index of the step named `name`.
    @inlinable
    public func index(ofStep name: String) -> Int? {
        indexOfStep(name)
    }

    @usableFromInline
    func indexOfStep(_ name: String) -> Int? {
        // Sagas are small: a linear scan beats hashing the name for up to a dozen steps.
        if steps.count <= 12 {
            for index in steps.indices where steps[index].definition.name == name { return index }
            return nil
        }
        return indexByName[name]
    }

    /// The execution layers as step names.
    public var layerNames: [[String]] { layers.map { $0.map { steps[$0].name } } }
}

extension SagaDefinition {
    /// Validates and compiles the definition into the plan the state machine runs.
    /// - Throws: ``SagaCoreError/invalidDefinition(_:file:line:)`` with every problem.
    public func compile() throws(SagaCoreError) -> SagaPlan {
        try SagaPlan(self)
    }
}
