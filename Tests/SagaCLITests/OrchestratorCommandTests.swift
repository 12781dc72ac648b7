import Foundation
import Testing

@Suite("saga orchestrator: refusing to start", .timeLimit(.minutes(1)))
struct OrchestratorCommandTests {
    private func definitions(_ yaml: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-orch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: directory.appendingPathComponent("order.yaml"))
        return directory
    }

    @Test("a bad definition file stops it before it connects, with the file, line and field")
    func badDefinition() async throws {
        let directory = try definitions("type: order\nsteps:\n  - name: a\n    topic: t\n    timeout: soon\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try ChildProcess(Products.saga, ["orchestrator", "--definitions", directory.path, "--store", "sqlite:\(directory.path)/s.sqlite"])
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 1)
        #expect(run.errorOutput.contains("order.yaml:5: steps[0].timeout:"), "\(run.errorOutput)")
    }

    @Test("an unreachable broker is one plain error sentence, not a hang, with librdkafka's own lines kept off the screen")
    func unreachableBroker() async throws {
        let directory = try definitions("type: order\nsteps:\n  - name: a\n    topic: t\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = [
            "orchestrator", "--definitions", directory.path, "--store", "sqlite:\(directory.path)/s.sqlite",
            "--bootstrap-servers", "127.0.0.1:1", "--http", "off",
        ]
        let run = try ChildProcess(Products.saga, arguments)
        #expect(try await run.waitForExit(timeout: .seconds(60)) == 1, "\(run.errorOutput.suffix(1000))")
        let errors = run.errorOutput
        #expect(errors.contains("saga: cannot reach the Kafka cluster at 127.0.0.1:1"), "\(errors.suffix(1000))")
        #expect(errors.contains("Start the broker, or name the right one with --bootstrap-servers"), "\(errors.suffix(1000))")
        #expect(!errors.contains("OrchestratorError") && !errors.contains("Error:") && !errors.contains("Connect to ipv4"), "\(errors.suffix(1000))")

        // It gave up because librdkafka said every broker is down, not at the 10 s metadata
        // timeout (the cause is in the debug log, with librdkafka's own lines).
        let debug = try ChildProcess(Products.saga, arguments + ["--log-level", "debug"])
        #expect(try await debug.waitForExit(timeout: .seconds(60)) == 1)
        #expect(debug.errorOutput.contains("_ALL_BROKERS_DOWN: metadata for saga.commands: no broker answers"), "\(debug.errorOutput.suffix(3000))")
        #expect(debug.errorOutput.contains("Connect to ipv4#127.0.0.1:1 failed"), "\(debug.errorOutput.suffix(3000))")
    }

    @Test("an API listener beyond loopback with no tokens is refused with a clear error")
    func publicListenerNeedsTokens() async throws {
        let directory = try definitions("type: order\nsteps:\n  - name: a\n    topic: t\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try ChildProcess(Products.saga, [
            "orchestrator", "--definitions", directory.path, "--store", "sqlite:\(directory.path)/s.sqlite", "--http", "0.0.0.0:0",
        ])
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 64)
        #expect(run.errorOutput.contains("no bearer tokens are configured"), "\(run.errorOutput)")
    }

    @Test("a token with an unknown role in the config file is refused, naming it")
    func badTokenRole() async throws {
        let directory = try definitions("type: order\nsteps:\n  - name: a\n    topic: t\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("saga.yaml")
        try Data("tokens:\n  - name: ci\n    sha256: \(String(repeating: "ab", count: 32))\n    role: admin\n".utf8).write(to: config)
        let run = try ChildProcess(Products.saga, [
            "orchestrator", "--config", config.path, "--definitions", directory.path, "--store", "sqlite:\(directory.path)/s.sqlite",
        ])
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 64)
        #expect(run.errorOutput.contains("tokens[0].role must be read or operate, got 'admin'"), "\(run.errorOutput)")
    }

    @Test("--log-format json writes one JSON object per log line")
    func jsonLogs() async throws {
        let directory = try definitions("type: order\nsteps:\n  - name: a\n    topic: t\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try ChildProcess(Products.saga, [
            "orchestrator", "--definitions", directory.path, "--store", "sqlite:\(directory.path)/s.sqlite",
            "--bootstrap-servers", "127.0.0.1:1", "--http", "127.0.0.1:0", "--log-format", "json",
        ])
        _ = try await run.waitForExit(timeout: .seconds(40))
        let objects = run.errorOutput.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(objects.contains { $0["message"] as? String == "HTTP listener bound" && $0["role"] as? String == "api" }, "\(run.errorOutput.suffix(1500))")
        #expect(objects.allSatisfy { $0["level"] is String && $0["time"] is String && $0["label"] is String })
    }

    @Test("a bad argument gets the usage message")
    func badArgument() async throws {
        let run = try ChildProcess(Products.saga, ["orchestrator", "--partitions", "many"])
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 64)
        #expect(run.errorOutput.contains("Usage: saga orchestrator"))
    }
}
