import Foundation
import Testing

@Suite("saga dev", .timeLimit(.minutes(4)))
struct DevCommandTests {
    /// A loopback port nothing listens on right now.
    /// A free port below Linux's ephemeral range (32768-60999): one from that range, free when
    /// looked at, was taken by an outgoing connection of a parallel test before `saga dev` bound it.
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(socket) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if bound { return port }
        }
        throw HarnessFailure("no free port found below the ephemeral range")
    }

    /// Runs `saga` with `arguments` to its exit.
    private func saga(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) async throws -> (status: Int32?, output: String, errors: String) {
        let run = try ChildProcess(Products.saga, arguments, environment: environment, directory: directory)
        let status = try await run.waitForExit(timeout: .seconds(90))
        return (status, run.output, run.errorOutput)
    }

    private func listedSagas(_ environment: [String: String] = [:], directory: URL? = nil) async throws -> [[String: Any]] {
        let list = try await saga(["list", "--json"], environment: environment, directory: directory)
        #expect(list.status == 0, "\(list.errors)")
        return try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]], "\(list.output)")
    }

    @Test("the demo runs the example participants: one saga completes, one is compensated; the store is kept across runs unless --reset, on the same port, with log lines in the dev folder")
    func demoFinishes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-dev-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try Self.freePort()
        let environment = ["SAGA_DEV_DIR": directory.path]
        for (run, expected) in [(1, "new"), (2, "kept: 2 sagas from earlier runs"), (3, "emptied (--reset)")] {
            let dev = try ChildProcess(Products.saga, ["dev", "--directory", directory.path, "--port", "\(port)", "--exit-after-demo"] + (run == 3 ? ["--reset"] : []))
            let status = try await dev.waitForExit(timeout: .seconds(120))
            let output = dev.output
            #expect(status == 0, "saga dev run \(run): \(dev.errorOutput.suffix(2000)) \(output.suffix(2000))")
            let summary = try #require(output.split(separator: "\n").first { $0.hasPrefix("demo:") }, "run \(run): \(output.suffix(2000))")
            #expect(summary.contains("completed") && summary.contains("compensated"), "run \(run): \(summary)")
            #expect(output.contains("sagaCompleted") && output.contains("sagaCompensated"))
            // The payment service refused the second saga's amount: its reason is printed.
            #expect(output.contains("amount 1000000 is over the limit of 10000"))
            // It ran the example definitions, which the banner names for the user to read and edit,
            // and shows how to start more sagas, and what a client elsewhere passes.
            #expect(output.contains("examples/definitions/user-update.yaml") && output.contains("examples/definitions/controllable.yaml"))
            #expect(output.contains("saga start user-update --payload"))
            // ... with a program that runs from another terminal: `saga` when that is this binary on
            // the PATH, else this binary's own path (under `swift run`, `saga` alone is not found).
            let startLine = try #require(output.split(separator: "\n").first { $0.contains(" start user-update --payload") })
            // (after any VAR=value the line sets, such as SAGA_DEV_DIR)
            let program = String(startLine.trimmingCharacters(in: .whitespaces).split(separator: " ").first { !$0.contains("=") } ?? "")
            #expect(program == "saga" || FileManager.default.isExecutableFile(atPath: program), "\(startLine)")
            #expect(output.contains("embedded Kafka broker at 127.0.0.1:\(port)"), "run \(run): \(output.prefix(1500))")
            #expect(output.contains("--bootstrap-servers 127.0.0.1:\(port) --store sqlite:\(directory.standardizedFileURL.path)/saga.sqlite"), "\(output.prefix(1500))")
            #expect(output.contains("orchestrator store: sqlite:\(directory.standardizedFileURL.path)/saga.sqlite — \(expected)"), "run \(run): \(output.prefix(1500))")
            // Log lines go to the dev folder's log, not to the screen.
            #expect(dev.errorOutput.isEmpty, "run \(run): \(dev.errorOutput.suffix(2000))")
            let log = try String(contentsOf: directory.appendingPathComponent("dev.log"), encoding: .utf8)
            #expect(log.contains("saga dev starting"))
            // A clean exit logs no errors: every Kafka client is gone before the broker stops.
            let errors = log.split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") || $0.contains("Connection refused") }
            #expect(errors.isEmpty, "run \(run): \(errors.prefix(5))")
            // status and list find the store through the client file.
            let sagas = try await listedSagas(environment)
            #expect(sagas.count == (run == 2 ? 4 : 2), "run \(run): \(sagas)")
        }
        // The second run's orchestrator found the store ahead of the new broker's empty topics
        // and read them from their start.
        let log = try String(contentsOf: directory.appendingPathComponent("dev.log"), encoding: .utf8)
        #expect(log.contains("ends before the offset the store recorded"))
        // The participants' dedupe records are kept beside the orchestrator's store.
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("participants.sqlite").path))
    }

    @Test("a running saga dev holds its folder; client commands in the folder's parent use its broker and store, and take id prefixes")
    func clientsBesideDev() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("saga-dev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let port = try Self.freePort()
        // Run where a user would: in the parent of .saga-dev, with no flags.
        let dev = try LoggedChildProcess(Products.saga, ["dev", "--port", "\(port)"], log: parent.appendingPathComponent("dev-screen.log"), directory: parent)
        #expect(try await dev.waitForOutput(containing: "running until Ctrl-C", timeout: .seconds(90)), "\(dev.output.suffix(3000))")

        // A second one in the same folder says who holds it and leaves the store alone.
        let second = try await saga(["dev", "--port", "\(try Self.freePort())", "--exit-after-demo"], directory: parent)
        #expect(second.status == 1, "\(second.output.suffix(1000)) \(second.errors)")
        #expect(second.errors.contains("another saga dev (pid \(dev.process.processIdentifier)) is running in"), "\(second.errors)")
        #expect(try await listedSagas(directory: parent).count == 2)

        // start finds the broker, status the store and the definitions (step names), by prefix.
        let start = try await saga(["start", "user-update", "--payload", #"{"userId":"u-9","email":"eve@example.com","amount":25}"#, "--wait"], directory: parent)
        #expect(start.status == 0, "\(start.errors.suffix(2000))")
        let id = try #require(start.output.split(separator: "\n").first.map(String.init))
        let status = try await saga(["status", String(id.prefix(8))], directory: parent)
        #expect(status.status == 0, "\(status.errors)")
        #expect(status.output.contains(id) && status.output.contains("completed") && status.output.contains("payment"), "\(status.output)")
        #expect(try await listedSagas(directory: parent).count == 3)
        // The fixed port answers too, as a client elsewhere would use it.
        let elsewhere = try await saga(["start", "user-update", "--payload", #"{"userId":"u-8","email":"x@example.com","amount":5}"#, "--wait", "--bootstrap-servers", "127.0.0.1:\(port)"])
        #expect(elsewhere.status == 0, "\(elsewhere.errors.suffix(2000))")

        #expect(try await dev.stop(timeout: .seconds(60)) == 0, "\(dev.output.suffix(2000))")
    }
}

/// A test could not set up what it needs.
struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
