import Foundation
import SagaCore
import SagaExamples

/// The demo of `saga dev`: the example participants (`SagaExamples`) and their definitions in
/// `examples/definitions`, with two "user update" sagas.
enum DevDemo {
    /// The definitions `saga dev` runs when none are named: `examples/definitions` under the current
    /// directory, else in the source tree this binary was built from; `nil` when neither exists.
    static var defaultDefinitions: String? {
        let here = "examples/definitions"
        if FileManager.default.fileExists(atPath: here) { return here }
        let sourceTree = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(here).path
        return FileManager.default.fileExists(atPath: sourceTree) ? sourceTree : nil
    }

    /// One user update the payment service accepts (it completes) and one over its limit (it is
    /// refused, so the user step is compensated).
    static let sagas = [
        StartSagaCommand(sagaType: "user-update", businessKey: "demo-user-1", payload: [
            "userId": "u-1", "email": "ada@example.com", "name": "Ada Lovelace", "amount": 42,
        ]),
        StartSagaCommand(sagaType: "user-update", businessKey: "demo-user-2", payload: [
            "userId": "u-2", "email": "bob@example.com", "name": "Bob", "amount": 1_000_000,
        ]),
    ]

    /// How to run this `saga` from another terminal: `saga` when that name on the `PATH` is this
    /// binary (after `scripts/install`), else this binary's absolute path (under `swift run`), so
    /// the printed commands work as printed.
    static var sagaCommand: String {
        let this = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("saga")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            return candidate.resolvingSymlinksInPath().path == URL(fileURLWithPath: this).resolvingSymlinksInPath().path ? "saga" : quoted(this)
        }
        return quoted(this)
    }

    private static func quoted(_ path: String) -> String {
        path.allSatisfy { $0.isLetter || $0.isNumber || "/._-+".contains($0) } ? path : "'\(path.replacingOccurrences(of: "'", with: "'\\''"))'"
    }

    static func banner(bootstrap: String, definitions: [String], store: String) -> String {
        let saga = sagaCommand
        return """
        saga dev — embedded Kafka broker at \(bootstrap)
          orchestrator store: \(store)
          saga definitions:   \(definitions.joined(separator: ", "))
          participants:       user service (\(UserService.topic)), payment service (\(PaymentService.topic)),
                              controllable participant (\(ControllableParticipant.topic))

        Start another saga from a second terminal:
          \(saga) start user-update --payload '{"userId":"u-9","email":"eve@example.com","amount":25}' --bootstrap-servers \(bootstrap)
        An amount over 10000 is refused by the payment service: the saga is compensated. The
        controllable participant does what the payload says (see controllable.yaml), e.g.
          \(saga) start controllable --payload '{"failAttempts":1,"steps":{"second":{"refuse":"verify"}}}' --bootstrap-servers \(bootstrap)
        Or with kcat (installed by scripts/setup):
          echo '{"messageType":"saga.start","schemaVersion":1,"sagaType":"user-update","businessKey":"my-user","payload":{"userId":"u-9","email":"eve@example.com","amount":25}}' \\
            | kcat -P -b \(bootstrap) -t saga.commands -k my-user

        """
    }
}
