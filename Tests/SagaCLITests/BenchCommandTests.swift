import Foundation
import Testing

/// `saga bench sagas` end to end, small: it runs every saga to its end and prints each figure it
/// promises. Figures themselves are for reading, not for asserting (see the README).
@Suite("saga bench", .timeLimit(.minutes(3)))
struct BenchCommandTests {
    @Test("a small run finishes every saga and prints throughput, latency, the hop and chain measurements, CPU, memory and its timeline")
    func smallRunPrintsItsFigures() async throws {
        let bench = try ChildProcess(Products.sagaBench, [
            "sagas", "--sagas", "60", "--rate", "30", "--hold", "40", "--hop-samples", "20", "--timeline",
        ])
        let status = try await bench.waitForExit(timeout: .seconds(150))
        #expect(status == 0, "\(bench.errorOutput.suffix(2000))")
        let lines = bench.output.split(separator: "\n")
        func line(_ prefix: String) -> Substring? { lines.first { $0.hasPrefix(prefix) } }
        #expect(line("sagas: 60 finished (60 completed)") != nil, "\(bench.output)")
        for prefix in [
            "one hop produce→consumed: p50", "start→terminal latency: p50", "one hop during the run: p50",
            "8 hops in sequence during the run (the floor under this load, no orchestrator): p50",
            "orchestrator CPU:", "bench process CPU", "memory per active saga:", "orchestrator peak memory (VmHWM):",
        ] {
            #expect(line(prefix) != nil, "no line starting '\(prefix)' in:\n\(bench.output)")
        }
        // The timeline: a line per second of starts (60 sagas at 30/s), counting every saga once.
        let timeline = lines.filter { $0.hasPrefix("  started in second ") }
        #expect(timeline.count >= 2, "\(bench.output)")
        let counted = timeline.compactMap { line in
            line.split(separator: ":").dropFirst().first?.split(separator: " ").first.flatMap { Int($0) }
        }
        #expect(counted.reduce(0, +) == 60, "\(timeline)")
    }

    @Test("--tracing exports the orchestrator's spans to the bench's receiver and --poll-list polls the saga list; SAGA_BENCH_HTTP=off reaches the bench, not the orchestrator")
    func tracingAndPolling() async throws {
        let bench = try ChildProcess(Products.sagaBench, [
            "sagas", "--sagas", "60", "--concurrency", "20", "--hold", "0", "--hop-samples", "20", "--tracing", "--poll-list", "20",
        ])
        #expect(try await bench.waitForExit(timeout: .seconds(150)) == 0, "\(bench.errorOutput.suffix(2000))")
        let lines = bench.output.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("sagas: 60 finished (60 completed)") }, "\(bench.output)")
        #expect(lines.first?.contains("tracing on") == true, "\(bench.output)")
        // 60 sagas of 13 spans each, at least a few hundred bytes apiece.
        let tracing = try #require(lines.first { $0.hasPrefix("tracing: ") }, "\(bench.output)")
        let requests = tracing.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        #expect(requests >= 1, "\(tracing)")
        #expect(!tracing.contains("(0 B per saga)"), "\(tracing)")
        let polls = try #require(lines.first { $0.hasPrefix("saga list polls during the run: ") }, "\(bench.output)")
        #expect(!polls.hasPrefix("saga list polls during the run: 0 answered") && polls.contains("(0 failed)"), "\(polls)")

        let off = try ChildProcess(Products.sagaBench, ["sagas", "--sagas", "20", "--concurrency", "20", "--hold", "0", "--hop-samples", "20"], environment: ["SAGA_BENCH_HTTP": "off"])
        #expect(try await off.waitForExit(timeout: .seconds(150)) == 0, "\(off.errorOutput.suffix(2000))")
        #expect(off.output.contains("sagas: 20 finished (20 completed)"), "\(off.output)")
    }

    @Test("a bad argument gets a usage message and a non-zero exit", arguments: [
        (["--fetch-wait-ms", "0"], "--fetch-wait-ms must be 1 to 500"),
        (["--linger-ms", "1001"], "--linger-ms must be 0 to 1000"),
    ])
    func badArgument(arguments: [String], message: String) async throws {
        let bench = try ChildProcess(Products.sagaBench, ["sagas"] + arguments)
        let status = try await bench.waitForExit(timeout: .seconds(30))
        #expect(status != 0)
        #expect(bench.errorOutput.contains(message), "\(bench.errorOutput)")
        #expect(bench.errorOutput.contains("Usage:"), "\(bench.errorOutput)")
    }
}
