import ArgumentParser
import Foundation
import SagaCore

/// `saga-bench core`: transitions per second of the pure saga core on one core, and the memory of a saga.
struct BenchCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Saga core transitions per second and memory per saga.",
        discussion: "Build in release mode for meaningful figures: swift run -c release saga-bench core"
    )

    @Option(help: "Sagas driven to completion per round.")
    var sagas: Int = 200_000

    @Option(help: "Measured rounds (the best is reported); one warm-up round runs first.")
    var rounds: Int = 5

    @Option(help: "Messages per round of the JSON codec measurement (0 leaves it out).")
    var codecMessages: Int = 20_000

    func run() async throws {
        let workload = try BenchCoreWorkload()
        _ = workload.run(sagas: min(sagas, 20_000))
        var best = Double.infinity
        var transitions = 0
        for _ in 0..<max(1, rounds) {
            let clock = ContinuousClock()
            var result = 0
            let elapsed = clock.measure { result = workload.run(sagas: sagas) }
            transitions = result
            best = min(best, elapsed.inSeconds)
        }
        let perSecond = Double(transitions) / best
        print("saga core: 3-step saga (payment | stock -> shipping) driven to completion, one core")
        print("  sagas per round:      \(sagas)")
        print("  transitions per saga: \(transitions / max(sagas, 1)) (start + 9 replies)")
        print("  best round:           \(String(format: "%.3f", best)) s")
        print("  transitions/s:        \(String(format: "%.0f", perSecond))  (target >= 1,000,000)")
        print("  ns per transition:    \(String(format: "%.1f", best / Double(transitions) * 1e9))")
        print("")
        for line in workload.memoryReport() { print(line) }
        if codecMessages > 0 {
            print("")
            for line in try BenchCoreCodec(workload: workload).report(count: codecMessages) { print(line) }
        }
    }
}
