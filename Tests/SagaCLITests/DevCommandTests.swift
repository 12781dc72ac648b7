import Foundation
import Testing

@Suite("saga dev", .timeLimit(.minutes(2)))
struct DevCommandTests {
    @Test("the demo runs one saga to completed and one to compensated, then exits 0, again and again")
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
        }
        // The definition it ran is left for the user to read and edit.
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("user-update.yaml").path))
    }
}
