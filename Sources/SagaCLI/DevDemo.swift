import SagaCore
import SagaTestKit

/// The demo of `saga dev`: the "user update" saga of the users' own design notes.
enum DevDemo {
    static let participantTopics = ["demo.users", "demo.payments", "demo.notifications"]

    static let definitionYAML = """
        # The demo saga of `saga dev`: update a user, charge for it, notify them.
        type: user-update
        version: 1
        deadline: 2m
        steps:
          - name: user
            topic: demo.users
            timeout: 5s
          - name: payment
            topic: demo.payments
            dependsOn: [user]
            timeout: 5s
            retry:
              maxAttempts: 3
              initialBackoff: 100ms
          - name: notify
            topic: demo.notifications
            dependsOn: [user]
            phases: [pending, approve]

        """

    /// Succeeds, except where the start payload's `refuse` names the step: that step rejects its
    /// pending command, so the saga is compensated.
    @Sendable static func script(_ command: ParticipantCommand) -> ParticipantBehavior {
        if command.phase == .pending, case .string(let step)? = command.payload.objectValue?["refuse"], step == command.step {
            return .reject("\(command.step) service refused: amount over the limit")
        }
        return .succeed(output: command.phase == .pending ? .object(["\(command.step)Ref": .string("\(command.step)-\(command.sagaId.prefix(6))")]) : nil)
    }

    static func banner(bootstrap: String, definitionFile: String, store: String) -> String {
        """
        saga dev — embedded Kafka broker at \(bootstrap)
          orchestrator store: \(store)
          saga definition:    \(definitionFile) (user → payment, notify)
          participants:       \(participantTopics.joined(separator: ", ")) (demo services)

        Start another saga from a second terminal (kcat is installed by scripts/setup):
          echo '{"messageType":"saga.start","schemaVersion":1,"sagaType":"user-update","businessKey":"my-user","payload":{"userId":"u-9"}}' \\
            | kcat -P -b \(bootstrap) -t saga.commands -k my-user
        Add "refuse":"payment" to the payload to see compensation.

        """
    }
}
