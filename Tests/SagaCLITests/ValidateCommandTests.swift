import Foundation
import Testing

@Suite("saga validate", .timeLimit(.minutes(1)))
struct ValidateCommandTests {
    private func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("a valid file prints its summary and exits 0; a broken one prints every problem with its line and field and exits 1")
    func validateFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try write("""
            type: checkout
            version: 2
            steps:
              - name: payment
                topic: payments.commands
              - name: shipping
                topic: shipping.commands
                dependsOn: [payment]
            """, "good.yaml", in: directory)
        let bad = try write("""
            type: checkout
            steps:
              - name: payment
                topic: payments.commands
                timeout: fast
                dependsOn: [shipping]
              - name: shipping
                topic: shipping.commands
                dependsOn: [payment]
              - name: payment
                topic: other.commands
                colour: blue
            """, "bad.yaml", in: directory)

        let ok = try ChildProcess(Products.saga, ["validate", good])
        #expect(try await ok.waitForExit(timeout: .seconds(30)) == 0)
        let summary = ok.output
        #expect(summary.contains("checkout") && summary.contains("payment") && summary.contains("shipping"))

        let broken = try ChildProcess(Products.saga, ["validate", bad])
        #expect(try await broken.waitForExit(timeout: .seconds(30)) == 1)
        let problems = broken.errorOutput
        #expect(problems.contains("\(bad):5:"), "the bad duration is reported on its line: \(problems)")
        #expect(problems.contains("timeout"))
        #expect(problems.contains("colour"), "the unknown key is named: \(problems)")
        #expect(problems.contains("cycle"), "the cycle is reported: \(problems)")
    }

    @Test("a directory validates every .yaml and .yml file in it; unreadable paths are said plainly, never as a Foundation error code")
    func validateDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try write("type: first\nversion: 1\nsteps:\n  - name: a\n    topic: a.commands\n", "first.yaml", in: directory)
        _ = try write("type: second\nversion: 1\nsteps:\n  - name: b\n    topic: b.commands\n", "second.yml", in: directory)
        _ = try write("not a definition", "notes.txt", in: directory)

        let ok = try ChildProcess(Products.saga, ["validate", directory.path])
        #expect(try await ok.waitForExit(timeout: .seconds(30)) == 0, "\(ok.errorOutput)")
        #expect(ok.output.contains("first") && ok.output.contains("second"), "\(ok.output)")
        #expect(!ok.output.contains("notes"))

        let empty = directory.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let missing = directory.appendingPathComponent("missing.yaml").path
        let run = try ChildProcess(Products.saga, ["validate", missing, empty.path])
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 1)
        let errors = run.errorOutput
        #expect(errors.contains("\(missing):0: : no such file or directory"), "\(errors)")
        #expect(errors.contains("\(empty.path):0: : is a directory with no .yaml or .yml file in it"), "\(errors)")
        #expect(!errors.contains("NSCocoaErrorDomain") && !errors.contains("error 2"), "\(errors)")

        // Permission denied, unless this test runs as root (root reads every file).
        if getuid() != 0 {
            let locked = try write("type: x\n", "locked.yaml", in: directory)
            chmod(locked, 0)
            let denied = try ChildProcess(Products.saga, ["validate", locked])
            #expect(try await denied.waitForExit(timeout: .seconds(30)) == 1)
            #expect(denied.errorOutput.contains("permission denied"), "\(denied.errorOutput)")
        }
    }

    @Test("no file is a usage error")
    func noFiles() async throws {
        let run = try ChildProcess(Products.saga, ["validate"])
        let status = try await run.waitForExit(timeout: .seconds(30))
        #expect(status != 0)
        #expect(run.errorOutput.contains("Usage: saga validate"))
    }
}
