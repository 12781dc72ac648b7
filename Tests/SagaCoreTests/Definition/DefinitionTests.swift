import Foundation
import SagaCore
import Testing

enum Fixtures {
    static func text(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return try String(contentsOf: url, encoding: .utf8)
    }
}

@Suite("Saga definitions")
struct DefinitionTests {
    @Test func validYAMLLoadsWithDefaultsAndLayers() throws {
        let definition = try SagaDefinition.load(yaml: try Fixtures.text("checkout.v1.yaml"), file: "checkout.v1.yaml")
        #expect(definition.type == "checkout")
        #expect(definition.version == 1)
        #expect(definition.deadline == .minutes(10))
        #expect(definition.steps.map(\.name) == ["payment", "stock", "shipping"])
        let payment = definition.steps[0]
        #expect(payment.timeout == .seconds(5))
        #expect(payment.retry == RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(100), multiplier: 2, maxBackoff: .seconds(5), jitter: 0.2))
        #expect(payment.compensationRetry == .compensationDefault)
        let stock = definition.steps[1]
        #expect(stock.timeout == StepDefinition.defaultTimeout)
        #expect(stock.retry == .stepDefault)
        #expect(stock.phases == .all)
        let shipping = definition.steps[2]
        #expect(shipping.phases == [.execute, .approve])
        #expect(shipping.compensationRetry.maxAttempts == 20)
        #expect(shipping.compensationRetry.maxBackoff == .minutes(1))
        #expect(shipping.compensationRetry.initialBackoff == RetryPolicy.compensationDefault.initialBackoff)
        #expect(try definition.compile().layerNames == [["payment", "stock"], ["shipping"]])
    }

    @Test func theDocumentedExampleIsValid() throws {
        let url = SchemaFiles.directory.appendingPathComponent("saga-definition.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        let yaml = try #require(text.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
        let result = SagaDefinition.parse(yaml: yaml, file: "saga-definition.md")
        #expect(result.issues.isEmpty, "\(result.issues)")
        #expect(result.definition?.steps.count == 3)
    }

    @Test func everyProblemIsReportedWithFileLineAndField() throws {
        let result = SagaDefinition.parse(yaml: try Fixtures.text("broken.yaml"), file: "broken.yaml")
        #expect(result.definition == nil)
        let lines = result.issues.map(\.description)
        let expected = [
            "broken.yaml:2: version: expected an integer",
            "broken.yaml:3: deadline: expected a duration such as 500ms, 2s, 5m, 1h or 1d",
            "broken.yaml:4: colour: unknown key 'colour'; expected one of type, version, deadline, steps",
            "broken.yaml:9: steps[0].timeout: expected a duration such as 500ms, 2s, 5m, 1h or 1d",
            "broken.yaml:12: steps[1].dependsOn[1]: unknown step 'ghost'; known steps: a, b, c, a",
            "broken.yaml:14: steps[1].retry.maxAttempts: must be 1 or more, not 0",
            "broken.yaml:15: steps[1].retry.jitter: must be between 0 and 1, not 2.0",
            "broken.yaml:16: steps[1].retry.backof: unknown key 'backof'; expected one of maxAttempts, initialBackoff, multiplier, maxBackoff, jitter",
            "broken.yaml:20: steps[3].name: duplicate step name 'a' (also steps[0])",
            "broken.yaml:20: steps[3].topic: missing; the participant's command topic",
            "broken.yaml:21: steps[3].dependsOn: expected a list of step names",
        ]
        for line in expected { #expect(lines.contains(line), "missing: \(line)\nall:\n\(lines.joined(separator: "\n"))") }
        let cycle = try #require(result.issues.first { $0.message.hasPrefix("dependency cycle") })
        #expect(cycle.message == "dependency cycle: a -> c -> b -> a (each depends on the next)")
        #expect(cycle.line == 8)
        #expect(result.issues.count == expected.count + 1)
    }

    @Test func noStepsAndNotYAML() throws {
        let empty = SagaDefinition.parse(yaml: try Fixtures.text("empty-steps.yaml"), file: "e.yaml")
        #expect(empty.issues.map(\.description) == ["e.yaml:2: steps: a saga needs at least one step"])
        let garbage = SagaDefinition.parse(yaml: "type: [unclosed", file: "g.yaml")
        #expect(garbage.issues.count == 1)
        #expect(garbage.issues[0].message.hasPrefix("not valid YAML"))
        let scalar = SagaDefinition.parse(yaml: "just text", file: "s.yaml")
        #expect(scalar.issues.first?.field == "(document)")
        let duplicateKeys = SagaDefinition.parse(yaml: "type: a\ntype: b\nsteps: []\n", file: "d.yaml")
        #expect(duplicateKeys.issues.first?.message.contains("duplicate") == true)
    }

    @Test func definitionsBuiltInCodeAreValidatedTheSameWay() {
        let definition = SagaDefinition(type: "", version: 0, steps: [
            StepDefinition(name: "a", topic: "t", dependsOn: ["a"], timeout: .milliseconds(0)),
        ], deadline: .seconds(0))
        let messages = definition.validate().map { "\($0.field): \($0.message)" }
        #expect(messages == [
            "type: must not be empty",
            "version: must be 1 or more, not 0",
            "deadline: must be longer than 0ms",
            "steps[0].timeout: must be longer than 0ms",
            "steps[0].dependsOn: dependency cycle: a -> a (each depends on the next)",
        ])
        #expect(throws: SagaCoreError.self) { try definition.compile() }
    }

    @Test func durationsParseAndPrint() {
        #expect(SagaDuration(parsing: "500ms") == .milliseconds(500))
        #expect(SagaDuration(parsing: "2s") == .seconds(2))
        #expect(SagaDuration(parsing: "5m") == .minutes(5))
        #expect(SagaDuration(parsing: "1h") == .hours(1))
        #expect(SagaDuration(parsing: "1d") == .hours(24))
        for bad in ["", "5", "ms", "-1s", "1.5s", "5 m", "1w", "99999999999999999999d"] {
            #expect(SagaDuration(parsing: bad) == nil, "\(bad)")
        }
        #expect(SagaDuration.milliseconds(1500).description == "1500ms")
        #expect(SagaDuration.minutes(5).description == "5m")
    }

    @Test func layersGroupParallelSteps() throws {
        let plan = try SagaDefinition(type: "d", steps: [
            StepDefinition(name: "d", topic: "t", dependsOn: ["b", "c"]),
            StepDefinition(name: "b", topic: "t", dependsOn: ["a"]),
            StepDefinition(name: "c", topic: "t", dependsOn: ["a"]),
            StepDefinition(name: "a", topic: "t"),
        ]).compile()
        #expect(plan.layerNames == [["a"], ["b", "c"], ["d"]])
    }
}

@Suite("Saga registry")
struct SagaRegistryTests {
    @Test func holdsSeveralVersionsAndPinsRunningSagas() throws {
        var registry = SagaRegistry()
        try registry.register(try SagaDefinition.load(yaml: try Fixtures.text("checkout.v1.yaml"), file: "v1"))
        #expect(registry.latest(type: "checkout")?.version == 1)
        let v1 = try registry.plan(for: StartSagaCommand(sagaType: "checkout"))
        let running = SagaMachine(plan: v1, replyTopic: "r").start(StartSagaCommand(sagaType: "checkout"), sagaID: "x", replyPartition: 0, now: SagaTime(milliseconds: 0)).state

        try registry.register(try SagaDefinition.load(yaml: try Fixtures.text("checkout.v2.yaml"), file: "v2"))
        #expect(registry.latest(type: "checkout")?.version == 2)
        #expect(try registry.plan(for: StartSagaCommand(sagaType: "checkout")).version == 2)
        #expect(try registry.plan(for: StartSagaCommand(sagaType: "checkout", sagaVersion: 1)).version == 1)
        #expect(running.sagaVersion == 1)
        #expect(registry.plan(for: running)?.definition.steps.map(\.name) == ["payment", "stock", "shipping"])
        #expect(registry.versions.map(\.version) == [1, 2])

        #expect(throws: SagaCoreError.duplicateDefinition(type: "checkout", version: 2).self) {
            try registry.register(try SagaDefinition.load(yaml: try Fixtures.text("checkout.v2.yaml"), file: "v2"))
        }
        do {
            _ = try registry.plan(for: StartSagaCommand(sagaType: "nope"))
            Issue.record("expected an error")
        } catch {
            #expect(error.shortDescription == "unknown saga type")
        }
    }
}
