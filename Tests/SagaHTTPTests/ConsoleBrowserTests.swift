import Foundation
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaTestKit
import Testing

@Suite("The web console in headless Chromium", .serialized, .timeLimit(.minutes(5)))
struct ConsoleBrowserTests {
    @Test("Start a saga from the page and see it complete live; pause, cancel and resume a waiting one until it compensates; the cluster view; no script error")
    func console() async throws {
        try await HTTPTestRun.test { harness in
            // A saga started with {"hold":true} waits on its charge step until cancelled.
            let script: @Sendable (ParticipantCommand) -> ParticipantBehavior = { command in
                command.step == "charge" && command.phase == .pending && command.payload.objectValue?["hold"] == .bool(true) ? .silent : .succeed()
            }
            // The participants' group, which the embedded broker cannot list: the cluster view shows its lag.
            try await harness.withStack(configure: { $0.participantGroups = ["participants-\(harness.runID)"] }, script: script) { stack in
                let page = try await stack.http.get("/")
                #expect(page.status == 200)
                #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(try await stack.http.get("/console/app.js").status == 200)
                #expect(try await stack.http.get("/console/nothing.js").status == 404)

                let screenshot = ProcessInfo.processInfo.environment["SAGA_CONSOLE_SCREENSHOT"]
                    ?? FileManager.default.temporaryDirectory.appendingPathComponent("saga-console-\(UUID().uuidString).png").path
                let driver = repositoryRoot.appendingPathComponent("Tests/SagaHTTPTests/Support/console_driver.py").path
                let (status, output) = try await runProgram(["python3", driver, stack.http.base + "/", screenshot, "chromium"], timeout: .seconds(240))
                #expect(status == 0, "the console test failed:\n\(output)")
                #expect(output.contains(#""ok": true"#), "\(output)")
                #expect(FileManager.default.fileExists(atPath: screenshot))
            }
        }
    }
}
