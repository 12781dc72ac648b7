import Foundation
import Histogram
import KafkaTestKit
import Logging
import SagaClient
import SagaCore
import SagaRuntime
import SagaTestKit

/// `saga-bench chaos --soak SECONDS`: sagas at a steady rate for a long time, with the
/// orchestrator's resident memory, its store's size and its open file descriptors sampled every
/// 10 s, and the start→terminal p99 of the first and the last five minutes (a third of the run
/// each when it is shorter than 15 minutes).
final class ChaosSoak {
    struct Sample {
        var second: Int
        var residentBytes: Int
        var storeBytes: Int
        var openFiles: Int
        var finished: Int
    }

    private let broker: EmbeddedKafkaBroker
    private let topics = SagaTopics()
    private let directory: URL
    private let storePath: String
    private let logger: Logger
    private var orchestrator: BenchSagasChild?

    init() async throws {
        var logger = Logger(label: "saga.chaos.soak") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        self.logger = logger
        broker = try EmbeddedKafkaBroker(logger: logger)
        for topic in topics.all + ChaosRun.participantTopics { try await broker.createTopic(topic, partitions: 4) }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-chaos-soak-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        storePath = directory.appendingPathComponent("soak.sqlite").path
        var steps = ""
        for (index, (name, topic)) in zip(ChaosSagaPlan.steps, ChaosRun.participantTopics).enumerated() {
            steps += "  - name: \(name)\n    topic: \(topic)\n    timeout: 30s\n"
            if index > 0 { steps += "    dependsOn: [\(ChaosSagaPlan.steps[index - 1])]\n" }
        }
        // A folder of its own: the orchestrator reads every YAML file there as a definition.
        let definitions = directory.appendingPathComponent("definitions")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        try Data("type: \(ChaosRun.sagaType)\nversion: 1\ndeadline: 30m\nsteps:\n\(steps)".utf8)
            .write(to: definitions.appendingPathComponent("\(ChaosRun.sagaType).yaml"))
        // Finished sagas are kept 60 s, so the store stops growing once purges run.
        let config = directory.appendingPathComponent("soak-config.yaml")
        try Data("retention: 60\npurgeInterval: 60\n".utf8).write(to: config)
    }

    func stop() async {
        orchestrator?.terminate()
        await broker.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs for `duration` at `rate` sagas per second and prints the samples and the figures.
    /// - Returns: whether memory and descriptors stayed flat after warm-up and the last p99 was no
    ///   worse than the first (within the tolerances printed).
    func execute(duration: Duration, rate: Int) async throws -> Bool {
        let orchestrator = try BenchSagasChild(arguments: [
            "orchestrator", "--config", directory.appendingPathComponent("soak-config.yaml").path,
            "--bootstrap-servers", broker.bootstrapServers, "--store", "sqlite:\(storePath)", "--definitions", directory.appendingPathComponent("definitions").path,
            "--partitions", "4", "--no-create-topics", "--http", "off", "--log-level", "warning", "--group-id", "chaos-soak",
            "-X", "fetch.wait.max.ms=5",
        ], log: directory.appendingPathComponent("orchestrator.log"))
        self.orchestrator = orchestrator
        let participants = try ScriptedParticipants(
            consumer: broker.consumerConfiguration(groupID: "chaos-participants"), producer: broker.producerConfiguration(),
            topics: ChaosRun.participantTopics, logger: logger
        ) { _ in .succeed() }
        let collector = try ProgressCollector(
            consumer: broker.consumerConfiguration(groupID: "chaos-progress"), topic: topics.progress, keepEvents: false, logger: logger
        )
        let client = try SagaClient(producer: broker.producerConfiguration(), commandsTopic: topics.commands, logger: logger)
        var samples: [Sample] = []
        var starts: [(id: String, at: ContinuousClock.Instant)] = []
        let began = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await participants.run() }
            group.addTask { try await collector.run() }
            defer { group.cancelAll() }
            var nextSample = began
            var credit = 0.0
            var last = began
            while ContinuousClock.now < began + duration {
                let now = ContinuousClock.now
                credit += Double(rate) * (now - last).inSeconds
                last = now
                if credit >= 1 {
                    let batch = Int(credit)
                    credit -= Double(batch)
                    let ids = try await client.start((0..<batch).map { _ in StartSagaCommand(sagaType: ChaosRun.sagaType, payload: .object(["soak": .bool(true)])) })
                    starts += ids.map { ($0, now) }
                }
                if now >= nextSample {
                    samples.append(sample(orchestrator, second: Int((now - began).inSeconds), finished: collector.terminalCount))
                    Self.say(Self.line(samples[samples.count - 1]))
                    nextSample = nextSample + .seconds(10)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = await collector.waitForTerminal(starts.map(\.id), timeout: .seconds(120))
        }
        await client.shutdown()
        return report(samples: samples, starts: starts, terminal: collector.terminal, began: began, duration: duration)
    }

    private func sample(_ child: BenchSagasChild, second: Int, finished: Int) -> Sample {
        let pid = child.process.processIdentifier
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
        let store = ["", "-wal", "-shm"].reduce(0) { total, suffix in
            total + (((try? FileManager.default.attributesOfItem(atPath: storePath + suffix))?[.size] as? Int) ?? 0)
        }
        return Sample(second: second, residentBytes: child.memory().resident, storeBytes: store, openFiles: files, finished: finished)
    }

    /// Writes a line to standard output at once (unbuffered), so a long soak's samples show as
    /// they are taken even when the output goes to a file.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private static func line(_ sample: Sample) -> String {
        String(format: "soak t=%4ds RSS %.1f MiB, store %.1f MiB, open fds %d, sagas finished %d",
               sample.second, Double(sample.residentBytes) / 1_048_576, Double(sample.storeBytes) / 1_048_576, sample.openFiles, sample.finished)
    }

    private func report(
        samples: [Sample], starts: [(id: String, at: ContinuousClock.Instant)],
        terminal: [String: (status: SagaStatus, receivedAt: ContinuousClock.Instant)], began: ContinuousClock.Instant, duration: Duration
    ) -> Bool {
        let window = min(Duration.seconds(300), duration / 3)
        func p99(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
            var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000)
            for start in starts where start.at >= from && start.at < to {
                if let end = terminal[start.id] { _ = histogram.record((end.receivedAt - start.at).histogramMicroseconds) }
            }
            return Double(histogram.valueAtPercentile(99)) / 1000
        }
        let first = p99(began, began + window)
        let lastP99 = p99(began + duration - window, began + duration)
        let lost = starts.filter { terminal[$0.id] == nil }.count
        // Growth after warm-up: from the sample at the end of the first window to the last one.
        let warm = samples.first { Double($0.second) >= window.inSeconds } ?? samples.first
        let end = samples.last
        let rssGrowth = Double((end?.residentBytes ?? 0) - (warm?.residentBytes ?? 0)) / Double(max(1, warm?.residentBytes ?? 1))
        let fdGrowth = (end?.openFiles ?? 0) - (warm?.openFiles ?? 0)
        Self.say(String(format: "soak: %d sagas, %d lost; p99 start→terminal %.1f ms in the first %.0f s, %.1f ms in the last %.0f s; "
                     + "after warm-up RSS %+.1f%%, open fds %+d, store %.1f → %.1f MiB",
                     starts.count, lost, first, window.inSeconds, lastP99, window.inSeconds, rssGrowth * 100, fdGrowth,
                     Double(warm?.storeBytes ?? 0) / 1_048_576, Double(end?.storeBytes ?? 0) / 1_048_576))
        // Tolerances: 10% of RSS (the allocator and librdkafka's buffers move by that much),
        // 5 descriptors (connections come and go), and the last p99 at most 1.5× the first
        // plus 5 ms (one busy moment on a shared machine moves a p99 by that much).
        // An orchestrator that died reads as 0 bytes and 0 descriptors: not flat.
        let alive = !samples.contains { $0.residentBytes == 0 }
        let flat = alive && rssGrowth <= 0.10 && fdGrowth <= 5
        let timely = lastP99 <= first * 1.5 + 5
        Self.say("soak verdict: \(lost == 0 && flat && timely ? "pass" : "FAIL") (lost 0: \(lost == 0), RSS and fds flat: \(flat), last p99 no worse: \(timely))")
        return lost == 0 && flat && timely
    }
}
