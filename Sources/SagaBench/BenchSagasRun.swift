import Foundation
import Histogram
import Kafka
import KafkaTestKit
import Logging
import SagaClient
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit

/// One run of `saga-bench sagas`.
final class BenchSagasRun {
    private let broker: EmbeddedKafkaBroker
    private let topics = SagaTopics()
    private let participantTopics = ["bench.inventory", "bench.payment", "bench.shipping"]
    /// Hops in sequence from a start to its terminal event seen here: the start, then a command
    /// and a reply per phase (three phases, the steps of a phase in parallel), then the terminal
    /// progress event on its way to the bench's consumer.
    static let hops = 1 + 3 * 2 + 1
    /// Commands a saga sends its participants: one per step of each phase.
    static let commandsPerSaga = 3 * 3
    private let partitions: Int32
    private let payload: JSONValue
    private let payloadBytes: Int
    private let directory: URL
    private let store: String
    /// The PostgreSQL server this run started for `--store postgres`.
    private let postgres: PostgresTestServer?
    private let logger: Logger
    /// fetch.wait.max.ms of every consumer on the saga path.
    private let fetchWait: Duration
    private let linger: Duration
    private var children: [BenchSagasChild] = []
    /// With `--tracing`: where the orchestrators export their spans.
    private let receiver: OTLPReceiver?
    /// With `--poll-list`: polls of the saga list per second, and the HTTP API's port.
    private let pollList: Int
    private let httpPort: Int?

    init(partitions: Int32, payloadBytes: Int, store: String?, fetchWait: Duration, linger: Duration, tracing: Bool = false, pollList: Int = 0) async throws {
        self.fetchWait = fetchWait
        self.linger = linger
        if tracing {
            self.receiver = try await OTLPReceiver(keepBodies: false)
        } else {
            self.receiver = nil
        }
        self.pollList = pollList
        if pollList > 0 {
            self.httpPort = try BenchListPoller.freePort()
        } else {
            self.httpPort = nil
        }
        var logger = Logger(label: "saga.bench") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        self.logger = logger
        self.partitions = partitions
        self.payloadBytes = payloadBytes
        payload = .object(["data": .string(String(repeating: "x", count: payloadBytes))])
        broker = try EmbeddedKafkaBroker(logger: logger)
        for topic in topics.all + participantTopics {
            try await broker.createTopic(topic, partitions: partitions)
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-bench-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if store == "postgres" {
            // A server of its own from the Debian package, durable as in production (fsync on).
            let server = try await PostgresTestServer.start(options: PostgresTestServer.Options(fsync: true))
            postgres = server
            self.store = try await server.makeDatabase()
        } else {
            postgres = nil
            self.store = store ?? "sqlite:\(directory.path)/bench.sqlite"
        }
        let steps = zip(["inventory", "payment", "shipping"], participantTopics).map { name, topic in
            "  - name: \(name)\n    topic: \(topic)\n    timeout: 60s\n"
        }.joined()
        try Data("type: bench-order\nversion: 1\ndeadline: 10m\nsteps:\n\(steps)".utf8)
            .write(to: directory.appendingPathComponent("bench-order.yaml"))
    }

    func stop() async {
        for child in children { child.terminate() }
        await receiver?.stop()
        await postgres?.stop()
        await broker.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    func execute(sagas: Int, concurrency: Int, rate: Int?, hold: Int, hopSamples: Int, instances: Int, takeover: Bool, timeline: Bool) async throws {
        print("saga-bench: \(sagas) sagas of 3 participants × 3 phases, \(partitions) partitions, "
              + (rate.map { "open loop at \($0) sagas/s" } ?? "closed loop, \(concurrency) in flight")
              + ", \(instances) orchestrator\(instances == 1 ? "" : "s") on \((try? SagaStoreURL(store)).map(\.description) ?? "an invalid store URL")"
              + (receiver == nil ? ", tracing off" : ", tracing on (OTLP/HTTP to the bench's receiver)")
              + (pollList > 0 ? ", the saga list polled \(pollList)×/s" : ""))
        try await broker.createTopic("bench.hop", partitions: 1)
        try await broker.createTopic("bench.hop.loaded", partitions: 1)
        // The saga path's settings: the linger and the fetch wait.
        let hop = try await BenchKafkaLatency(broker: broker, logger: logger, linger: linger, fetchWaitMax: fetchWait)
            .run(topic: "bench.hop", samples: hopSamples)
        print(String(format: "one hop produce→consumed: p50 %.2f ms, p99 %.2f ms; floor %.2f ms (%d hops)", hop.p50, hop.p99, hop.p50 * Double(Self.hops), Self.hops))

        let logLevel = ProcessInfo.processInfo.environment["SAGA_BENCH_ORCHESTRATOR_LOG"] ?? "warning"
        for _ in 0..<instances {
            children.append(try BenchSagasChild(arguments: orchestratorArguments(hold: hold, logLevel: logLevel)))
        }
        var consumer = broker.consumerConfiguration(groupID: "bench-participants")
        consumer.fetchWaitMax = fetchWait
        // Every client on the saga path has the settings the floor was measured with.
        var producer = broker.producerConfiguration()
        producer.linger = linger
        let participants = try ScriptedParticipants(
            consumer: consumer, producer: producer, topics: participantTopics, logger: logger,
            expectedCommands: (sagas + hold + 20) * Self.commandsPerSaga, replyLinger: linger
        ) { command in
            command.phase == .verify && command.payload.objectValue?["hold"] != nil ? .silent : .succeed()
        }
        var progressConsumer = broker.consumerConfiguration(groupID: "bench-progress")
        progressConsumer.fetchWaitMax = fetchWait
        let collector = try ProgressCollector(
            consumer: progressConsumer, topic: topics.progress, keepEvents: false, logger: logger,
            expectedSagas: sagas + hold + 20
        )
        let client = try SagaClient(producer: producer, commandsTopic: topics.commands, logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await participants.run() }
            group.addTask { try await collector.run() }
            defer { group.cancelAll() }

            // Warm up: the group joins, the store opens, the first saga completes.
            let warm = try await client.start((0..<20).map { _ in StartSagaCommand(sagaType: "bench-order", payload: payload) })
            guard await collector.waitForTerminal(warm, timeout: .seconds(90)).count == warm.count else {
                throw BenchError("the orchestrator did not complete the warm-up sagas within 90 s")
            }
            try await measureRun(sagas, concurrency, rate, collector, client, hop, timeline: timeline)
            // Held after the run, on an instance whose page cache, queues and allocator the run
            // has warmed up: what remains is what one more active saga costs.
            if hold > 0 { try await measureHeld(hold, takeover: takeover, participants, collector, client) }
            let peaks = children.map { String(format: "%.1f MiB", Double($0.memory().peak) / 1_048_576) }
            print("orchestrator peak memory (VmHWM): \(peaks.joined(separator: ", "))")
        }
        await client.shutdown()
    }

    // MARK: - Phases

    /// Memory per active saga: sagas held waiting on verify, in four equal waves. The first wave
    /// also fills buffers that stop growing (SQLite's page cache, librdkafka's queues, the
    /// allocator's arenas); the growth over the last three is what one more active saga costs.
    /// One wave's growth alone moves by megabytes from run to run with what those buffers and
    /// the allocator happen to keep, so three waves are averaged.
    private func measureHeld(_ hold: Int, takeover: Bool, _ participants: ScriptedParticipants, _ collector: ProgressCollector, _ client: SagaClient) async throws {
        try await Task.sleep(for: .seconds(1))
        var heldPayload = payload.objectValue ?? [:]
        heldPayload["hold"] = .bool(true)
        var held: [String] = []
        var resident = [residentMemory()]
        let waves = 4
        let wave = max(1, hold / waves)
        for _ in 0..<waves {
            for start in stride(from: 0, to: wave, by: 1000) {
                held += try await client.start((start..<min(wave, start + 1000)).map { _ in StartSagaCommand(sagaType: "bench-order", payload: .object(heldPayload)) })
            }
            // A held saga waits on its verify commands once all three reached the participants.
            let deadline = ContinuousClock.now + .seconds(120)
            while participants.commands.lazy.filter({ $0.command.phase == .verify }).count < held.count * 3 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            try await Task.sleep(for: .seconds(1))
            resident.append(residentMemory())
        }
        func mib(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }
        let growth = zip(resident.dropFirst(), resident).map { String(format: "%.1f", mib($0 - $1)) }
        print(String(format: "memory per active saga: %.0f B marginal (waves 2–%d of %d held sagas each: RSS %.1f → %.1f MiB), %.0f B including the first wave's fixed buffers (RSS from %.1f MiB); payload %d B",
                     Double(resident[waves] - resident[1]) / Double((waves - 1) * wave), waves, wave, mib(resident[1]), mib(resident[waves]),
                     Double(resident[waves] - resident[0]) / Double(waves * wave), mib(resident[0]), payloadBytes)
              + "; growth per wave: \(growth.joined(separator: ", ")) MiB")
        if takeover { try await measureTakeover() }
        for id in held { try await client.control(ControlCommand(sagaId: id, action: .cancel, reason: "benchmark hold phase over")) }
        guard await collector.waitForTerminal(held, timeout: .seconds(120)).count == held.count else {
            throw BenchError("held sagas did not finish after their cancel within 120 s")
        }
    }

    /// Another instance joins the group while the held sagas are active; its log tells how long
    /// taking over each partition (bumping the epoch and loading the active sagas) took.
    private func measureTakeover() async throws {
        let log = directory.appendingPathComponent("takeover.log")
        let joiner = try BenchSagasChild(arguments: orchestratorArguments(hold: 0, logLevel: "info"), log: log)
        defer { joiner.terminate() }
        var lines: [Substring] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            let taken = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("took partition") }
            if !taken.isEmpty && taken.count == lines.count { break }
            lines = taken
        }
        guard !lines.isEmpty else { throw BenchError("the joining instance took no partition within 60 s; log: \(log.path)") }
        for line in lines {
            func field(_ name: String) -> String {
                guard let range = line.range(of: name + "=") else { return "?" }
                return String(line[range.upperBound...].prefix { !$0.isWhitespace })
            }
            print("takeover: partition \(field("partition")) with \(field("activeSagas")) active sagas "
                  + "and \(field("unsentOutbox")) unsent outbox rows taken over in \(field("restoreMs")) ms")
        }
    }

    /// CPU time this process used so far (user and system), in seconds.
    private static func ownCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private func orchestratorArguments(hold: Int, logLevel: String) -> [String] {
        [
            "orchestrator", "--bootstrap-servers", broker.bootstrapServers,
            "--store", store, "--definitions", directory.path,
            "--partitions", "\(partitions)", "--no-create-topics", "--log-level", logLevel,
            "--max-active-sagas", "\(max(100_000, hold * 2))", "--group-id", "bench-orchestrator",
            "-X", "fetch.wait.max.ms=\(fetchWait.wholeMilliseconds)", "-X", "linger.ms=\(linger.wholeMilliseconds)",
            // Several instances on one machine: each serves its HTTP surface on a free port.
            "--http", httpPort.map { "127.0.0.1:\($0)" } ?? ProcessInfo.processInfo.environment["SAGA_BENCH_HTTP"] ?? "127.0.0.1:0",
        ] + (receiver.map { ["--otel-endpoint", $0.endpoint] } ?? [])
    }

    /// The resident memory of all orchestrator instances together.
    private func residentMemory() -> Int {
        children.reduce(0) { $0 + $1.memory().resident }
    }

    private func measureRun(_ sagas: Int, _ concurrency: Int, _ rate: Int?, _ collector: ProgressCollector, _ client: SagaClient, _ hop: BenchKafkaLatency.Result, timeline: Bool) async throws {
        var starts: [(id: String, at: ContinuousClock.Instant)] = []
        starts.reserveCapacity(sagas)
        let baseline = collector.terminalCount
        let cpuBefore = children.reduce(0) { $0 + $1.cpuSeconds() }
        let ownCPUBefore = Self.ownCPUSeconds()
        // The same hop measured beside the run, in chains of a saga's hops with 10 ms between
        // chains: how far the load itself (a busy broker and CPU) stretches each hop and a saga's
        // floor, apart from what the orchestrator adds.
        let (broker, logger, fetchWait, linger, hops) = (self.broker, self.logger, self.fetchWait, self.linger, Self.hops)
        let probe = Task {
            try await BenchKafkaLatency(broker: broker, logger: logger, linger: linger, fetchWaitMax: fetchWait)
                .probe(topic: "bench.hop.loaded", every: .milliseconds(10), chain: hops)
        }
        defer { probe.cancel() }
        let poller = httpPort.map { BenchListPoller(port: $0, perSecond: pollList) }
        let polling = poller.map { poller in Task { await poller.run() } }
        defer { polling?.cancel() }
        let exportedBefore = receiver?.counts
        let began = ContinuousClock.now
        let deadline = began + .seconds(600)
        var credit = 0.0
        var lastTick = began
        while collector.terminalCount - baseline < sagas {
            guard ContinuousClock.now < deadline else { throw BenchError("the run did not finish within 600 s") }
            let remaining = sagas - starts.count
            var batch = 0
            if let rate {
                let now = ContinuousClock.now
                credit += Double(rate) * (now - lastTick).inSeconds
                lastTick = now
                batch = min(remaining, Int(credit))
                credit -= Double(batch)
            } else {
                let inFlight = starts.count - (collector.terminalCount - baseline)
                batch = min(remaining, max(0, concurrency - inFlight), 500)
            }
            if batch > 0 {
                let at = ContinuousClock.now
                let ids = try await client.start((0..<batch).map { _ in StartSagaCommand(sagaType: "bench-order", payload: payload) })
                starts += ids.map { ($0, at) }
            } else {
                try await Task.sleep(for: .milliseconds(rate == nil ? 1 : 5))
            }
        }
        let cpu = children.reduce(0) { $0 + $1.cpuSeconds() } - cpuBefore
        let ownCPU = Self.ownCPUSeconds() - ownCPUBefore
        polling?.cancel()
        let polls = await polling?.value
        probe.cancel()
        let loaded = try await probe.value
        let terminal = collector.terminal
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000)
        var last = began
        var completed = 0
        for start in starts {
            guard let end = terminal[start.id] else { continue }
            if end.status == .completed { completed += 1 }
            last = max(last, end.receivedAt)
            _ = histogram.record((end.receivedAt - start.at).histogramMicroseconds)
        }
        if timeline { printTimeline(starts, terminal, began) }
        let seconds = (last - began).inSeconds
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        print(String(format: "sagas: %d finished (%d completed) in %.2f s: %.0f sagas/s", starts.count, completed, seconds, Double(starts.count) / seconds))
        print(String(format: "orchestrator CPU: %.0f µs per saga (%.2f cores busy)", cpu * 1e6 / Double(starts.count), cpu / seconds))
        print(String(format: "bench process CPU (embedded broker, participants, progress reader, starts): %.0f µs per saga (%.2f cores busy)",
                     ownCPU * 1e6 / Double(starts.count), ownCPU / seconds))
        print(String(format: "start→terminal latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms (p50 = %.2f× the floor)",
                     ms(histogram.valueAtPercentile(50)), ms(histogram.valueAtPercentile(99)), ms(histogram.max),
                     ms(histogram.valueAtPercentile(50)) / (hop.p50 * Double(Self.hops))))
        print(String(format: "one hop during the run: p50 %.2f ms, p99 %.2f ms", loaded.p50, loaded.p99))
        if let polls {
            print(String(format: "saga list polls during the run: %d answered (%d failed), p50 %.2f ms, max %.2f ms",
                         polls.answered, polls.failed, polls.p50Milliseconds, polls.maxMilliseconds))
        }
        if let receiver, let exportedBefore {
            // The exporter sends on its own schedule: give it its batch delay to flush the run's spans.
            try await Task.sleep(for: .seconds(6))
            let exported = receiver.counts
            print(String(format: "tracing: %d OTLP export requests, %.1f KiB (%.0f B per saga) received during and right after the run",
                         exported.requests - exportedBefore.requests, Double(exported.bytes - exportedBefore.bytes) / 1024,
                         Double(exported.bytes - exportedBefore.bytes) / Double(starts.count)))
        }
        print(String(format: "%d hops in sequence during the run (the floor under this load, no orchestrator): p50 %.2f ms, p99 %.2f ms "
                     + "(saga p50 = %.2f× that, p99 = %.2f× that)",
                     Self.hops, loaded.chainP50, loaded.chainP99,
                     ms(histogram.valueAtPercentile(50)) / loaded.chainP50, ms(histogram.valueAtPercentile(99)) / loaded.chainP99))
    }

    /// Latency by when sagas started, a line per second of the run: whether it drifts as the run
    /// goes on, or jumps for a moment.
    private func printTimeline(
        _ starts: [(id: String, at: ContinuousClock.Instant)],
        _ terminal: [String: (status: SagaStatus, receivedAt: ContinuousClock.Instant)],
        _ began: ContinuousClock.Instant
    ) {
        var seconds: [Int: Histogram<UInt64>] = [:]
        for start in starts {
            guard let end = terminal[start.id] else { continue }
            let second = Int((start.at - began) / .seconds(1))
            _ = seconds[second, default: Histogram<UInt64>(highestTrackableValue: 600_000_000)]
                .record((end.receivedAt - start.at).histogramMicroseconds)
        }
        for second in seconds.keys.sorted() {
            guard let histogram = seconds[second] else { continue }
            print(String(format: "  started in second %d: %d sagas, p50 %.2f ms, p99 %.2f ms, max %.2f ms", second + 1, histogram.totalCount,
                         Double(histogram.valueAtPercentile(50)) / 1000, Double(histogram.valueAtPercentile(99)) / 1000, Double(histogram.max) / 1000))
        }
    }
}
