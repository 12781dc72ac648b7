import Foundation
import Kafka
import KafkaTestKit
import SagaCore
import SagaRuntime
import SagaStore
import SagaTestKit
import ServiceLifecycleTestKit
import Testing

@Suite("Orchestrator: trace context and order under produce errors", .timeLimit(.minutes(5)))
struct OrchestratorDeliveryTests {
    @Test("every command carries the saga's trace context, also those sent after a timeout-driven retry")
    func traceparentAfterTimeout() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                // A timeout short enough to keep the test quick; retries generous enough that a busy
                // machine's slow answers still complete (timing is not what this test is about).
                // (A participant consumer kicked out of its group on a loaded machine has stalled for
                // over 10 s: 30 attempts of 2 s outlast that.)
                let retry = RetryPolicy(maxAttempts: 30, initialBackoff: .milliseconds(20), multiplier: 2, maxBackoff: .milliseconds(200), jitter: 0.2)
                let definition = harness.orderDefinition(timeout: .seconds(2), retry: retry)
                let orchestrator = try harness.orchestrator(store, [definition])
                // Each step's first pending attempt gets no answer: its retry is sent by a timer.
                let participants = try harness.participants { command in
                    command.phase == .pending && command.attempt == 1 ? .silent : .succeed()
                }
                let progress = try harness.progress()
                let client = try harness.client()

                let ids = try await withRunning(orchestrator, participants, progress) {
                    let ids = try await client.start((0..<3).map { _ in StartSagaCommand(sagaType: "order") })
                    let terminal = await progress.waitForTerminal(ids, timeout: .seconds(120))
                    #expect(terminal.values.allSatisfy { $0 == .completed })
                    return ids
                }
                var commands: [KafkaConsumerMessage] = []
                for topic in harness.participantTopics {
                    // Per saga and step at least: pending 1 and 2, verify, approve.
                    commands += try await harness.read(topic: topic, count: ids.count * 4, timeout: .seconds(30))
                }
                #expect(commands.count >= ids.count * 3 * 4)
                let retried = commands.compactMap { $0.value.flatMap { try? SagaMessageCodec.decode(ParticipantCommand.self, from: $0).get() } }
                    .filter { $0.phase == .pending && $0.attempt >= 2 }
                #expect(Set(retried.map(\.sagaId)) == Set(ids), "every saga had a pending attempt sent by a timer")
                var traceIDs: [String: Set<Substring>] = [:]
                for message in commands {
                    let traceparent = message.header(SagaHeaders.traceparent)?.stringValue
                    #expect(traceparent != nil, "a command of saga \(message.keyString ?? "?") has no traceparent")
                    if let traceparent, let key = message.keyString {
                        traceIDs[key, default: []].insert(traceparent.split(separator: "-")[1])
                    }
                    #expect(message.header(SagaHeaders.deadLetterTopic)?.stringValue == harness.topics.deadLetters)
                }
                #expect(traceIDs.count == ids.count)
                #expect(traceIDs.values.allSatisfy { $0.count == 1 }, "one trace per saga")
                await client.shutdown()
            }
        }
    }

    @Test("under produce errors every saga's progress events arrive in sequence order")
    func orderUnderProduceErrors() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition(timeout: .seconds(30))])
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()

                let ids = try await withRunning(orchestrator, participants, progress) {
                    var ids: [String] = []
                    for round in 0..<4 {
                        // Produce requests fail (retriable errors) while sagas are under way.
                        let errors = round % 2 == 0 ? MockErrorCode.notEnoughReplicas : MockErrorCode.requestTimedOut
                        try await harness.broker.pushRequestErrors(.produce, errors: Array(repeating: errors, count: 40))
                        ids += try await client.start((0..<15).map { _ in StartSagaCommand(sagaType: "order") })
                        // The subject is time passing: each round of errors meets sagas under way.
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    let terminal = await progress.waitForTerminal(ids, timeout: .seconds(90))
                    #expect(terminal.count == ids.count)
                    #expect(terminal.values.allSatisfy { $0 == .completed })
                    return ids
                }
                // The order is judged on the topic, read from its beginning by partition (a saga's
                // events share one): the collector is a group consumer, and a rebalance on a loaded
                // machine (its session timed out) can make it skip or repeat a stretch of a partition
                // under librdkafka 2.0.2's batch consume, which says nothing of the topic's order.
                var last: [String: Int64] = [:]
                for id in ids { last[id] = progress.orderedEvents(of: id).last?.sequence ?? 0 }
                let published = try await harness.read(
                    topic: harness.topics.progress, count: last.values.reduce(0) { $0 + Int($1) }, timeout: .seconds(60)
                )
                var onTopic: [String: [ProgressEvent]] = [:]
                for message in published {
                    guard let value = message.value, let event = try? SagaMessageCodec.decode(ProgressEvent.self, from: value).get() else { continue }
                    onTopic[event.sagaId, default: []].append(event)
                }
                for id in ids {
                    var highest: Int64 = 0
                    // A lower sequence again is a duplicate (the relay publishes at least once).
                    for event in onTopic[id, default: []] where event.sequence > highest {
                        #expect(event.sequence == highest + 1, "saga \(id): event \(event.sequence) follows \(highest) on the topic")
                        highest = event.sequence
                    }
                    #expect(highest == last[id], "saga \(id): the topic holds events up to \(highest), the collector saw \(last[id] ?? 0)")
                    #expect(progress.orderedEvents(of: id).last?.event == .sagaCompleted)
                }
                await client.shutdown()
            }
        }
    }
}

@Suite("Orchestrator: graceful shutdown while Kafka refuses everything", .timeLimit(.minutes(5)))
struct OrchestratorShutdownTests {
    @Test("a graceful shutdown ends within the drain bound even while every produce request fails")
    func shutdownWhileRelayFails() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                // Attempts time out quickly, so the orchestrator keeps producing retries and compensations.
                let definition = harness.orderDefinition(timeout: .milliseconds(200))
                let orchestrator = try harness.orchestrator(store, [definition]) { $0.shutdownDrainTimeout = .seconds(1) }
                let client = try harness.client()
                let stoppedAfter = try await testGracefulShutdown { trigger in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await orchestrator.run() }
                        let owned = await orchestrator.waitForStatus(within: .seconds(60)) { $0.ownedPartitions > 0 }
                        try #require(owned != nil, "the orchestrator never got its partitions")
                        // No participant answers: every attempt times out and is retried, then compensated.
                        try await client.start((0..<20).map { _ in StartSagaCommand(sagaType: "order") })
                        // The metric tells no one it changed: read until it has.
                        try await poll("the 20 sagas to start", within: .seconds(60)) {
                            harness.metrics.total("saga_sagas_started_total")
                        } until: { $0 >= 20 }
                        // From now on every produce request fails: what the timers produce cannot be published.
                        try await harness.broker.pushRequestErrors(.produce, errors: Array(repeating: MockErrorCode.notEnoughReplicas, count: 100_000))
                        // The subject is time passing: the 200 ms timers fire while nothing can be published.
                        try await Task.sleep(for: .seconds(1))
                        let stopping = ContinuousClock.now
                        trigger.triggerGracefulShutdown()
                        try await group.waitForAll()
                        return ContinuousClock.now - stopping
                    }
                }
                // 1 s of draining, then leaving the group and purging the producer; it used to hang.
                // 60 s: a hang, not a slow machine (it took 21 s with three builds beside it).
                #expect(stoppedAfter < .seconds(60), "stopped after \(stoppedAfter)")
                await client.shutdown()
            }
        }
    }
}

@Suite("Orchestrator: a business key owned on another partition", .timeLimit(.minutes(5)))
struct OrchestratorBusinessKeyTests {
    @Test("a start naming another saga id with a business key owned on another partition is answered by the owner, not dead-lettered")
    func businessKeyOnAnotherPartition() async throws {
        try await withHarness { harness in
            try await harness.openStore().withRunning { store in
                let orchestrator = try harness.orchestrator(store, [harness.orderDefinition()])
                let participants = try harness.participants { _ in .succeed() }
                let progress = try harness.progress()
                let client = try harness.client()
                let owner = "bk-owner"
                let home = Partitioner.murmur2(key: owner, partitionCount: harness.partitions)
                // Another explicit id that lands on another partition.
                let other = try #require((0..<100).map { "bk-other-\($0)" }.first { Partitioner.murmur2(key: $0, partitionCount: harness.partitions) != home })

                let deduplicated = try await withRunning(orchestrator, participants, progress) {
                    _ = try await client.start([StartSagaCommand(sagaType: "order", sagaId: owner, businessKey: "order-77")])
                    let first = await progress.waitForTerminal([owner], timeout: .seconds(120))
                    #expect(first[owner] == .completed)
                    _ = try await client.start([StartSagaCommand(sagaType: "order", sagaId: other, businessKey: "order-77")])
                    return await progress.waitForEvent(of: owner, timeout: .seconds(60)) { $0.event == .startDeduplicated }
                }
                #expect(deduplicated != nil, "the owner's progress stream has no startDeduplicated")
                #expect(progress.events(of: other).isEmpty)
                #expect(try await store.saga(id: other) == nil, "no second saga for one business key")
                let letters = try await harness.read(topic: harness.topics.deadLetters, count: 1, timeout: .seconds(5))
                #expect(letters.isEmpty, "\(letters.compactMap(\.value).map { String(decoding: $0, as: UTF8.self) })")
                await client.shutdown()
            }
        }
    }
}
