import Foundation
import Logging
import SagaStore
import Testing

@Suite("saga operator commands: arguments, missing things, unreachable broker", .timeLimit(.minutes(2)))
struct OperatorArgumentTests {
    @Test("bad arguments get the command's usage message and exit 64", arguments: [
        ["start"],
        ["start", "order", "--payload", "{not json"],
        ["start", "order", "--payload", "[1, 2]"],
        ["start", "order", "--payload", "@/no/such/file.json"],
        ["start", "order", "--timeout", "5"],
        ["start", "order", "--connect-timeout", "0"],
        ["start", "order", "-X", "no-equals-sign"],
        ["watch", "--no-such-flag"],
        ["watch", "--saga", ""],
        ["status"],
        ["status", "some-id", "--store", "mysql://db/sagas"],
        ["list", "--state", "sleeping"],
        ["list", "--limit", "0"],
        ["cancel"],
        ["cancel", "some-id", "--timeout", "3"],
        ["pause", "--reason", "why"],
        ["resume", "a", "b"],
        ["retry", "some-id"],
        ["compensate", "some-id", "--step", ""],
    ])
    func usage(arguments: [String]) async throws {
        let run = try ChildProcess(Products.saga, arguments)
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 64)
        #expect(run.errorOutput.contains("Usage: saga \(arguments[0])"), "\(arguments): \(run.errorOutput)")
    }

    @Test("saga help documents every exit status")
    func exitStatusTable() async throws {
        let run = try ChildProcess(Products.saga, ["help"])
        #expect(try await run.waitForExit(timeout: .seconds(30)) == 0)
        let help = run.output
        #expect(help.contains("EXIT STATUS"), "\(help)")
        for status in ["0", "1", "2", "3", "4", "5", "6", "64", "69"] {
            #expect(help.contains("\n  \(status) "), "exit status \(status) is not documented")
        }
        for command in ["start", "watch", "status", "list", "cancel", "pause", "resume", "retry", "compensate"] {
            #expect(help.contains("  \(command) "), "\(command) is not listed")
        }
    }

    @Test("status of an unknown saga exits 5; status and list of a store that does not exist exit 1 and say so")
    func missingSagaAndStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("saga.sqlite").path
        var quiet = Logger(label: "test")
        quiet.logLevel = .error
        try await SQLiteSagaStore(path: path, logger: quiet).withRunning { _ in }

        let unknown = try ChildProcess(Products.saga, ["status", "no-such-saga", "--store", "sqlite:\(path)"])
        #expect(try await unknown.waitForExit(timeout: .seconds(30)) == 5)
        #expect(unknown.errorOutput.contains("no saga with id 'no-such-saga'"), "\(unknown.errorOutput)")

        // The store from the environment, as SAGA_STORE_URL.
        let empty = try ChildProcess(Products.saga, ["list", "--json"], environment: ["SAGA_STORE_URL": "sqlite:\(path)"])
        #expect(try await empty.waitForExit(timeout: .seconds(30)) == 0)
        #expect(empty.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")

        let missing = directory.appendingPathComponent("typo.sqlite").path
        for arguments in [["status", "some-id"], ["list"]] {
            let run = try ChildProcess(Products.saga, arguments + ["--store", "sqlite:\(missing)"])
            #expect(try await run.waitForExit(timeout: .seconds(30)) == 1)
            #expect(run.errorOutput.contains("no saga store at '\(missing)'"), "\(arguments): \(run.errorOutput)")
        }
        #expect(!FileManager.default.fileExists(atPath: missing), "reading must not create a store")
    }

    @Test("an unreachable broker is a clear error and exit 69 within the connect timeout, from a flag or the environment", arguments: [
        (["start", "order", "--bootstrap-servers", "127.0.0.1:1"], [String: String]()),
        (["start", "order", "--wait"], ["SAGA_BOOTSTRAP_SERVERS": "127.0.0.1:1"]),
        (["watch"], ["SAGA_BOOTSTRAP_SERVERS": "127.0.0.1:1"]),
        (["cancel", "some-id", "--bootstrap-servers", "127.0.0.1:1"], [:]),
    ])
    func unreachable(arguments: [String], environment: [String: String]) async throws {
        let began = ContinuousClock.now
        let run = try ChildProcess(Products.saga, arguments + ["--connect-timeout", "2"], environment: environment)
        let status = try await run.waitForExit(timeout: .seconds(40))
        #expect(status == 69, "\(arguments): \(run.errorOutput.suffix(1000))")
        #expect(run.errorOutput.contains("cannot reach the Kafka cluster at 127.0.0.1:1"), "\(run.errorOutput.suffix(1000))")
        // The 2 s bound plus the process's start, with room for a busy machine.
        #expect(ContinuousClock.now - began < .seconds(30))
    }

    @Test("an address where nothing listens fails in seconds, well before the connect timeout, in one plain sentence")
    func nothingListens() async throws {
        let began = ContinuousClock.now
        let run = try ChildProcess(Products.saga, ["start", "order", "--bootstrap-servers", "127.0.0.1:1", "--connect-timeout", "600"])
        let status = try await run.waitForExit(timeout: .seconds(100))
        let elapsed = ContinuousClock.now - began
        #expect(status == 69, "\(run.errorOutput.suffix(1000))")
        // librdkafka reports every broker down at once: about 3 s, far below the 600 s bound
        // (the rest is room for a busy machine).
        #expect(elapsed < .seconds(60), "took \(elapsed)")
        let lines = run.errorOutput.split(separator: "\n")
        #expect(lines == ["saga: cannot reach the Kafka cluster at 127.0.0.1:1: nothing answers there. Start the broker (saga dev, or saga broker), or name the right one with --bootstrap-servers or SAGA_BOOTSTRAP_SERVERS"], "\(lines)")
    }
}
