import ArgumentParser
import Foundation

/// `saga-bench chaos`: the fault matrix. Each scenario injects one kind of fault while sagas
/// run, then checks the invariants and adds a row to the one table printed at the end.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Run sagas under injected faults, check the invariants and print a table of the figures.",
        discussion: """
            Each scenario starts the embedded broker in this process (3 brokers for broker-faults), \
            the orchestrator as a child process (`saga orchestrator`, the `saga` executable beside \
            this one) on a fresh SQLite file (three on PostgreSQL for postgres-cluster), and \
            in-process participants that apply each effect at most once per idempotency key and \
            refuse about a tenth of the sagas (seeded) in some step and phase (participant-kill: a \
            participant process, `saga-bench chaos-participant`, with a SQLite ledger, that \
            SIGKILLs itself between applying an effect and replying). Sagas start over the first \
            80% of --duration while the faults run; then every saga must end within --settle. \
            Checked: 0 lost, 0 duplicate effects, each saga's progress events numbered 1..n with no \
            gap and no two different events under a number, each saga's outcome the one planned, \
            refused sagas compensated every step that got a pending command in reverse dependency \
            order, no completed saga got a compensate, every malformed or oversize input on the \
            dead-letter topic with a reason and nothing else there, and the store agreeing with the \
            progress topic. Exits 1 when any is broken. \
            Scenarios: \(ChaosScenario.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; ")).
            """
    )

    @Option(help: "The scenario to run: \(ChaosScenario.names).")
    var scenario = "all"

    @Option(help: "Sagas per scenario (default: the scenario's own, 60 to 400).")
    var sagas: Int?

    @Option(help: "Seed of the random choices (refusals, kill times, faults).")
    var seed: UInt64 = 1

    @Option(help: "Seconds faults are injected in each scenario; sagas start over the first 80%.")
    var duration: Int = 30

    @Option(help: "Seconds every saga has, after the faults stop, to end.")
    var settle: Int = 120

    @Option(help: "Malformed inputs of the malformed-input scenario (a 2 MB start comes on top).")
    var malformed: Int = 1_000

    @Option(help: """
        Instead of the scenarios, a soak of this many seconds (1800: half an hour) at --rate: the \
        orchestrator's RSS, store size and open fds every 10 s, and the p99 of the first and last \
        five minutes (a third of the run each when it is shorter).
        """)
    var soak: Int?

    @Option(help: "Sagas per second of the soak.")
    var rate: Int = 50

    @Flag(help: "Keep each scenario's directory (orchestrator logs, store) even when it passed.")
    var keep = false

    func validate() throws {
        _ = try ChaosScenario.parse(scenario)
        if let sagas, sagas <= 0 { throw ValidationError("--sagas must be positive") }
        guard (5...3_600).contains(duration) else { throw ValidationError("--duration must be 5 to 3600 seconds") }
        guard (10...3_600).contains(settle) else { throw ValidationError("--settle must be 10 to 3600 seconds") }
        if let soak, soak < 30 { throw ValidationError("--soak must be at least 30 seconds") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        guard malformed >= 0 else { throw ValidationError("--malformed must not be negative") }
    }

    func run() async throws {
        if let soak {
            ChaosSoak.say("saga-bench chaos --soak \(soak): \(rate) sagas/s")
            let run = try await ChaosSoak()
            let passed: Bool
            do {
                passed = try await run.execute(duration: .seconds(soak), rate: rate)
            } catch {
                await run.stop()
                throw error
            }
            await run.stop()
            if !passed { throw ExitCode(1) }
            return
        }
        let scenarios = try ChaosScenario.parse(scenario)
        let settings = ChaosRun.Settings(
            sagas: sagas, seed: seed, duration: .seconds(duration), settle: .seconds(settle), malformed: malformed
        )
        print("saga-bench chaos: seed \(seed), faults for \(duration) s per scenario, \(settle) s to settle")
        var results: [ChaosResult] = []
        for scenario in scenarios {
            print("\(scenario.rawValue): \(scenario.summary) ...")
            let run = try await ChaosRun(scenario: scenario, settings: settings)
            var result: ChaosResult
            do {
                result = try await run.execute()
            } catch {
                result = ChaosResult(scenario: scenario)
                result.problems = ["the run stopped: \(error)"]
            }
            for note in result.notes { print("  \(scenario.rawValue): note: \(note)") }
            if !result.passed {
                for problem in result.problems { print("  \(scenario.rawValue): \(problem)") }
                print("  logs and store kept in \(run.directory.path)")
                print(run.orchestrators.logTails())
            }
            await run.stop(keep: keep || !result.passed)
            results.append(result)
        }
        print("")
        print(ChaosReport.table(results))
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}
