import Foundation
import Testing

@Suite("saga dev", .timeLimit(.minutes(2)))
struct DevCommandTests {
    @Test("the demo runs the example participants: one saga completes, one is compensated, then it exits 0 with no errors logged, again and again")
    func demoFinishes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-dev-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Twice in one directory: the second run starts on a new (empty) broker again.
        for run in 1...2 {
            let dev = try ChildProcess(Products.saga, ["dev", "--directory", directory.path, "--exit-after-demo", "true"])
            let status = try await dev.waitForExit(timeout: .seconds(90))
            let output = dev.output
            #expect(status == 0, "saga dev run \(run): \(dev.errorOutput.suffix(2000))")
            let summary = try #require(output.split(separator: "\n").first { $0.hasPrefix("demo:") })
            #expect(summary.contains("completed") && summary.contains("compensated"), "run \(run): \(summary)")
            #expect(output.contains("sagaCompleted") && output.contains("sagaCompensated"))
            // The payment service refused the second saga's amount: its reason is printed.
            #expect(output.contains("amount 1000000 is over the limit of 10000"))
            // It ran the example definitions, which the banner names for the user to read and edit,
            // and shows how to start more sagas.
            #expect(output.contains("examples/definitions/user-update.yaml") && output.contains("examples/definitions/controllable.yaml"))
            #expect(output.contains("saga start user-update --payload"))
            // ... with a program that runs from another terminal: `saga` when that is this binary on
            // the PATH, else this binary's own path (under `swift run`, `saga` alone is not found).
            let startLine = try #require(output.split(separator: "\n").first { $0.contains(" start user-update --payload") })
            let program = String(startLine.trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
            #expect(program == "saga" || FileManager.default.isExecutableFile(atPath: program), "\(startLine)")
            // A clean exit logs no errors: every Kafka client is gone before the broker stops.
            let errors = dev.errorOutput.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") || $0.contains("Connection refused") }
            #expect(errors.isEmpty, "run \(run): \(errors.prefix(5))")
        }
        // The participants' dedupe records are kept beside the orchestrator's store.
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("participants.sqlite").path))
    }
}
