import ArgumentParser
import Foundation

/// `saga-bench sagas` (the default of `saga-bench`): sagas per second and start→terminal latency
/// of the whole system on the embedded broker.
struct BenchSagasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sagas",
        abstract: "Sagas/s, start→terminal latency and orchestrator memory on the embedded broker.",
        discussion: """
            Starts the embedded broker, one or more orchestrators as child processes (this same \
            binary, `saga orchestrator`, on a fresh SQLite file unless --store names another \
            store) and fast in-process participants, runs sagas of the 3-participant, 3-phase \
            shape, and prints sagas/s, latency p50/p99/max, the broker's one-hop \
            produce→consume latency (the floor: from a start to its terminal event \
            seen by the bench, a saga of three parallel steps needs 8 hops in sequence), the same \
            hop measured beside the run under its load, alone and in chains of 8 (the floor under \
            that load, with no orchestrator), the CPU the orchestrators and the bench's own process \
            used, and the orchestrators' peak memory and memory per active saga. With --takeover, another \
            instance joins while the held sagas are active and the time it took to take over \
            each partition is printed.
            """
    )

    @Option(help: "How many sagas to run.")
    var sagas: Int = 20_000

    @Option(help: "Closed loop: at most this many sagas in flight (ignored with --rate).")
    var concurrency: Int = 2_000

    @Option(help: "Open loop: start this many sagas per second instead of a closed loop.")
    var rate: Int?

    @Option(help: "Partitions of the orchestrator's and the participants' topics.")
    var partitions: Int32 = 8

    @Option(help: "Bytes of payload per saga.")
    var payloadBytes: Int = 100

    @Option(help: """
        Sagas held active (waiting on verify) after the run, in four waves, to measure memory per \
        active saga; 0 skips it.
        """)
    var hold: Int = 40_000

    @Option(help: "One-hop latency samples.")
    var hopSamples: Int = 300

    @Option(help: "Orchestrator instances sharing the partitions and the store.")
    var instances: Int = 1

    @Option(help: """
        The orchestrators' store URL (sqlite:PATH or postgres://...; it must be empty), or 'postgres' for a \
        PostgreSQL server of the bench's own, started from the Debian package. Default: a fresh SQLite file.
        """)
    var store: String?

    @Option(help: """
        fetch.wait.max.ms of every consumer on the saga path and of the one-hop measurement. The \
        embedded broker answers an empty fetch only when this wait ends, even if a message arrives \
        meanwhile, so it bounds each hop's latency (a real broker answers as soon as data arrives).
        """)
    var fetchWaitMs: Int = 5

    @Option(help: """
        linger.ms of every producer on the saga path (the orchestrators', the participants', the \
        starts') and of the one-hop measurement.
        """)
    var lingerMs: Int = 1

    @Flag(help: "Measure the time another instance takes to take over partitions with the held sagas active.")
    var takeover = false

    @Flag(help: "Also print the latency of the sagas started in each second of the run.")
    var timeline = false

    @Flag(help: """
        Tracing on: the orchestrators export their spans (OTLP/HTTP, protobuf, 100% sampled) to a \
        receiver in the bench that counts and discards them.
        """)
    var tracing = false

    @Option(help: """
        Poll the console's saga list (GET /v1/sagas?limit=25 on the HTTP API) this many times a \
        second during the measured run, as an operator's open console does; 0 polls nothing.
        """)
    var pollList: Int = 0

    func validate() throws {
        guard sagas > 0 else { throw ValidationError("--sagas must be positive") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be positive") }
        guard partitions > 0 else { throw ValidationError("--partitions must be positive") }
        guard payloadBytes >= 0, hold >= 0, hopSamples > 0 else { throw ValidationError("--payload-bytes, --hold and --hop-samples must not be negative") }
        guard instances > 0 else { throw ValidationError("--instances must be positive") }
        guard (1...500).contains(fetchWaitMs) else { throw ValidationError("--fetch-wait-ms must be 1 to 500") }
        guard (0...1_000).contains(lingerMs) else { throw ValidationError("--linger-ms must be 0 to 1000") }
        if takeover && hold == 0 { throw ValidationError("--takeover needs held sagas: give --hold a positive count") }
        guard (0...1_000).contains(pollList) else { throw ValidationError("--poll-list must be 0 to 1000") }
    }

    func run() async throws {
        let bench = try await BenchSagasRun(
            partitions: partitions, payloadBytes: payloadBytes, store: store,
            fetchWait: .milliseconds(fetchWaitMs), linger: .milliseconds(lingerMs), tracing: tracing, pollList: pollList
        )
        do {
            try await bench.execute(
                sagas: sagas, concurrency: concurrency, rate: rate, hold: hold, hopSamples: hopSamples,
                instances: instances, takeover: takeover, timeline: timeline
            )
        } catch {
            await bench.stop()
            throw error
        }
        await bench.stop()
    }
}
