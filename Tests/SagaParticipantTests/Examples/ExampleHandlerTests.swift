import Foundation
import SagaCore
import SagaExamples
import SagaParticipant
import Testing

/// The example participants' handlers, called directly: no broker.
@Suite("Example participants' handlers")
struct ExampleHandlerTests {
    static func request(
        saga: String, step: String, phase: SagaPhase, attempt: Int = 1, payload: JSONValue,
        dependencyOutputs: [String: JSONValue] = [:]
    ) -> ParticipantRequest {
        ParticipantRequest(command: ParticipantCommand(
            sagaId: saga, sagaType: "user-update", sagaVersion: 1, step: step, phase: phase, attempt: attempt,
            replyTo: .init(topic: "saga.replies", partition: 0), payload: payload, dependencyOutputs: dependencyOutputs,
            deadline: SagaTime(milliseconds: 0)
        ))
    }

    static func answer(_ handlers: ParticipantHandlers, _ request: ParticipantRequest) async throws -> ParticipantAnswer {
        try await handlers.handler(for: request.phase)(request)
    }

    @Test("the user service stages a change in pending, applies it in approve, and drops it on compensation")
    func userService() async throws {
        let users = UserService(profiles: ["u-1": .init(email: "old@example.com")])
        let handlers = users.handlers
        let payload: JSONValue = ["userId": "u-1", "email": "ada@example.com", "name": "Ada"]
        let pending = try await Self.answer(handlers, Self.request(saga: "a", step: "user", phase: .pending, payload: payload))
        #expect(pending == .success(output: ["userId": "u-1", "previousEmail": "old@example.com"]))
        #expect(users.profile(of: "u-1")?.email == "old@example.com", "staged, not applied")
        // Another saga changing the same user waits (retryable) until this one ends.
        let other = try await Self.answer(handlers, Self.request(saga: "b", step: "user", phase: .pending, payload: payload))
        #expect(other.outcome == .failedRetryable)
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "user", phase: .verify, payload: payload)) == .success())
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "user", phase: .approve, payload: payload)) == .success())
        #expect(users.profile(of: "u-1") == .init(email: "ada@example.com", name: "Ada"))

        _ = try await Self.answer(handlers, Self.request(saga: "c", step: "user", phase: .pending, payload: ["userId": "u-2", "email": "bob@example.com"]))
        #expect(users.stagedChanges == 1)
        #expect(try await Self.answer(handlers, Self.request(saga: "c", step: "user", phase: .compensate, payload: .emptyObject)) == .success())
        #expect(users.stagedChanges == 0 && users.profile(of: "u-2") == nil)
        // Verify after the change is gone refuses.
        #expect(try await Self.answer(handlers, Self.request(saga: "c", step: "user", phase: .verify, payload: .emptyObject)).outcome == .rejected)

        let invalid = try await Self.answer(handlers, Self.request(saga: "d", step: "user", phase: .pending, payload: ["userId": "u-3", "email": "nope"]))
        #expect(invalid == .reject("'nope' is not an email address"))
        #expect(try await Self.answer(handlers, Self.request(saga: "e", step: "user", phase: .pending, payload: ["email": "x@y"])).outcome == .rejected)
    }

    @Test("the payment service holds the fee in pending, captures it in approve, releases it on compensation, refuses over the limit")
    func paymentService() async throws {
        let payments = PaymentService(limit: 100)
        let handlers = payments.handlers
        let userOutput: [String: JSONValue] = ["user": ["userId": "u-1"]]
        let pending = try await Self.answer(handlers, Self.request(saga: "a", step: "payment", phase: .pending, payload: ["amount": 42], dependencyOutputs: userOutput))
        #expect(pending.outcome == .succeeded && pending.output?.objectValue?["amount"] == .int(42))
        #expect(payments.openHolds == 1 && payments.charged("u-1") == 0)
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "payment", phase: .verify, payload: .emptyObject)) == .success())
        _ = try await Self.answer(handlers, Self.request(saga: "a", step: "payment", phase: .approve, payload: .emptyObject))
        #expect(payments.openHolds == 0 && payments.charged("u-1") == 42)

        _ = try await Self.answer(handlers, Self.request(saga: "b", step: "payment", phase: .pending, payload: ["amount": 7, "userId": "u-2"]))
        _ = try await Self.answer(handlers, Self.request(saga: "b", step: "payment", phase: .compensate, payload: .emptyObject))
        #expect(payments.openHolds == 0 && payments.charged("u-2") == 0)

        let over = try await Self.answer(handlers, Self.request(saga: "c", step: "payment", phase: .pending, payload: ["amount": 101], dependencyOutputs: userOutput))
        #expect(over == .reject("amount 101 is over the limit of 100"))
        let noAmount = try await Self.answer(handlers, Self.request(saga: "d", step: "payment", phase: .pending, payload: ["amount": "ten"], dependencyOutputs: userOutput))
        #expect(noAmount.outcome == .rejected && payments.openHolds == 0)
    }

    @Test("the controllable participant refuses, fails first attempts and is slow as its payload or configuration says")
    func controllable() async throws {
        let participant = ControllableParticipant()
        let handlers = participant.handlers
        let payload: JSONValue = ["refuse": "verify", "failAttempts": 1, "steps": ["second": ["refuse": ["pending", "approve"], "failAttempts": 0]]]
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "first", phase: .pending, payload: payload)).outcome == .failedRetryable)
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "first", phase: .pending, attempt: 2, payload: payload)) == .success(output: ["step": "first", "attempt": 2]))
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "first", phase: .verify, attempt: 2, payload: payload)).outcome == .rejected)
        // The step's own fields win over the top level.
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "second", phase: .pending, payload: payload)).outcome == .rejected)
        #expect(try await Self.answer(handlers, Self.request(saga: "a", step: "second", phase: .verify, payload: payload)) == .success())
        #expect(participant.commands.count == 5)

        let invalid = try await Self.answer(handlers, Self.request(saga: "b", step: "first", phase: .pending, payload: ["refuse": "later"]))
        #expect(invalid == .reject("payload.refuse: 'later' is not a phase (pending, verify, approve or compensate)"))

        let slow = ControllableParticipant(defaults: ControllableBehavior(refuse: [.approve], delay: .milliseconds(150)))
        let start = ContinuousClock.now
        #expect(try await Self.answer(slow.handlers, Self.request(saga: "c", step: "first", phase: .approve, payload: .emptyObject)).outcome == .rejected)
        #expect(ContinuousClock.now - start >= .milliseconds(150))
        #expect(try await Self.answer(slow.handlers, Self.request(saga: "c", step: "first", phase: .approve, payload: ["refuse": [], "delayMs": 0])) == .success())
    }

    @Test("the example definitions are valid and name the example participants' topics")
    func definitions() throws {
        let directory = exampleDefinitions
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == ["controllable.yaml", "user-update.yaml"])
        var topics: Set<String> = []
        for file in files {
            let path = directory.appendingPathComponent(file).path
            let result = SagaDefinition.parse(yaml: try String(contentsOfFile: path, encoding: .utf8), file: path)
            #expect(result.issues.isEmpty, "\(result.issues)")
            let definition = try #require(result.definition)
            _ = try SagaPlan(definition)
            topics.formUnion(definition.steps.map(\.topic))
        }
        #expect(topics == Set(ExampleParticipants.commandTopics))
    }
}
