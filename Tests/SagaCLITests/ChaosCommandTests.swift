import Foundation
import Testing

/// `saga-bench chaos` end to end, small: each scenario run through the built binary ends with
/// 0 lost, 0 duplicate effects, no event gaps, the dead letters it expects, and `pass`.
@Suite("saga-bench chaos", .serialized, .timeLimit(.minutes(5)))
struct ChaosCommandTests {
    @Test("a small run of a scenario passes every invariant", arguments: [
        // (scenario, sagas, whether it must make dead letters)
        ("orchestrator-kill", 120, false),
        ("malformed-input", 60, true),
        ("oversize", 30, true),
    ])
    func smallRunPasses(scenario: String, sagas: Int, deadLetters: Bool) async throws {
        let bench = try ChildProcess(Products.sagaBench, [
            "chaos", "--scenario", scenario, "--sagas", "\(sagas)", "--duration", "12", "--settle", "150",
            "--malformed", "80", "--seed", "7",
        ])
        let status = try await bench.waitForExit(timeout: .seconds(270))
        #expect(status == 0, "\(bench.output.suffix(4000))\n\(bench.errorOutput.suffix(2000))")
        let lines = bench.output.split(separator: "\n")
        let header = try #require(lines.first { $0.hasPrefix("scenario ") }, "no table in:\n\(bench.output)")
        let columns = header.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        let row = try #require(lines.first { $0.hasPrefix(scenario + " ") }, "no row for \(scenario) in:\n\(bench.output)")
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        try #require(cells.count == columns.count, "\(row)")
        let table = Dictionary(uniqueKeysWithValues: zip(columns, cells))
        #expect(table["started"] == "\(sagas)", "\(row)")
        #expect(table["lost"] == "0", "\(row)")
        #expect(table["dup effects"] == "0", "\(row)")
        #expect(table["event gaps"] == "0", "\(row)")
        #expect(table["verdict"] == "pass", "\(bench.output)")
        // Every saga ended as planned: about a tenth compensated, the rest completed.
        let completed = Int(table["completed"] ?? "") ?? -1
        let compensated = Int(table["compensated"] ?? "") ?? -1
        #expect(completed + compensated == sagas, "\(row)")
        #expect(completed > sagas / 2, "\(row)")
        let letters = (table["dead letters"] ?? "").split(separator: "/").map { Int($0) ?? -1 }
        #expect(letters.count == 2 && letters[0] == letters[1], "\(row)")
        #expect(((letters.first ?? 0) > 0) == deadLetters, "\(row)")
        if scenario == "orchestrator-kill" {
            #expect((Int(table["restarts/faults"] ?? "") ?? 0) >= 1, "no orchestrator was killed: \(row)")
        }
    }

    @Test("a bad argument gets a usage message and a non-zero exit", arguments: [
        (["--scenario", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
        (["--duration", "1"], "--duration must be 5 to 3600 seconds"),
        (["--sagas", "0"], "--sagas must be positive"),
    ])
    func badArgument(arguments: [String], message: String) async throws {
        let bench = try ChildProcess(Products.sagaBench, ["chaos"] + arguments)
        let status = try await bench.waitForExit(timeout: .seconds(30))
        #expect(status != 0)
        #expect(bench.errorOutput.contains(message), "\(bench.errorOutput)")
        #expect(bench.errorOutput.contains("Usage:"), "\(bench.errorOutput)")
    }
}
