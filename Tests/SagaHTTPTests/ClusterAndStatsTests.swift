import Foundation
import Kafka
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaRuntime
import SagaStore
import SagaTestKit
import Testing

@Suite("Cluster, stats windows and progress history", .serialized, .timeLimit(.minutes(4)))
struct ClusterAndStatsTests {
    @Test("GET /v1/cluster: this instance with its partitions from its heartbeat, a stale one marked, a participant group's lag")
    func cluster() async throws {
        try await HTTPTestRun.test { harness in
            let billing = "billing-\(harness.runID)"
            let idle = "idle-\(harness.runID)"
            try await harness.withStack(configure: { $0.participantGroups = [billing, idle] }) { stack in
                // One saga, so the payment topic holds its commands.
                let started = try await stack.http.post("/v1/sagas", json: #"{"type":"order","payload":{}}"#)
                let id = try #require(try started.json()["sagaId"] as? String)
                #expect(await stack.progress.waitForTerminal([id], timeout: .seconds(120))[id] == .completed)

                // The billing group read one message of each partition of the payment topic.
                let payment = harness.participantTopics[1]
                let reader = try KafkaConsumer(configuration: harness.broker.consumerConfiguration(groupID: billing), logger: quietLogger)
                try await reader.commit([
                    KafkaTopicPartition(topic: payment, partition: 0): KafkaOffset(1), KafkaTopicPartition(topic: payment, partition: 1): KafkaOffset(1),
                ])
                try await reader.close()

                // An instance that stopped heartbeating half a minute ago, written as another process would.
                let report = Array(#"{"groupID":"g","joinedGroup":true,"shuttingDown":false,"activeSagas":3,"outboxBacklog":0,"intakePaused":false,"partitions":[{"partition":0,"activeSagas":3}]}"#.utf8)
                try await harness.openStore().withRunning { other in
                    try await other.recordHeartbeat(InstanceHeartbeat(
                        instanceID: "gone-1", host: "elsewhere", startedAt: Orchestrator.now - 120_000, lastSeen: Orchestrator.now - 30_000, status: report
                    ))
                }

                var cluster: [String: Any] = [:]
                try await poll("the heartbeat to list both partitions", within: .seconds(30)) {
                    cluster = try await stack.http.get("/v1/cluster").json()
                    let instances = cluster["instances"] as? [[String: Any]] ?? []
                    let own = instances.first { $0["answering"] as? Bool == true }
                    return (own?["partitions"] as? [[String: Any]])?.count == 2
                }
                let instances = try #require(cluster["instances"] as? [[String: Any]])
                #expect(instances.count == 2, "\(instances)")
                let own = try #require(instances.first { $0["answering"] as? Bool == true })
                #expect(own["instanceId"] as? String == stack.orchestrator.identity.instanceID)
                #expect(own["stale"] as? Bool == false)
                #expect(own["joinedGroup"] as? Bool == true)
                #expect((own["partitions"] as? [[String: Any]])?.compactMap { $0["partition"] as? Int } == [0, 1])
                let gone = try #require(instances.first { $0["instanceId"] as? String == "gone-1" })
                #expect(gone["stale"] as? Bool == true)
                #expect((gone["age"] as? Double ?? 0) >= 29)
                #expect(cluster["unownedPartitions"] as? [Int] == [])
                #expect(cluster["groupId"] as? String == "orchestrator-\(harness.runID)")
                #expect(cluster["partitionCount"] as? Int == 2)

                let participants = try #require(cluster["participants"] as? [String: Any])
                // The embedded broker cannot list groups: only the configured ones are shown.
                #expect(participants["groupsListed"] as? Bool == false)
                let topics = try #require(participants["topics"] as? [[String: Any]])
                #expect(topics.compactMap { $0["topic"] as? String } == harness.participantTopics)
                let paymentTopic = try #require(topics.first { $0["topic"] as? String == payment })
                #expect(paymentTopic["steps"] as? [String] == ["order@1/charge"])
                let messages = try #require(paymentTopic["messages"] as? Int, "\(participants)")
                #expect(messages >= 3, "pending, verify and approve were sent to charge")
                let groups = try #require(paymentTopic["groups"] as? [[String: Any]])
                let billingLag = try #require(groups.first { $0["groupId"] as? String == billing })
                let rows = try #require(billingLag["partitions"] as? [[String: Any]])
                #expect(rows.compactMap { $0["committed"] as? Int } == [1, 1])
                #expect(rows.compactMap { $0["highWatermark"] as? Int }.reduce(0, +) == messages)
                for row in rows {
                    #expect(row["lag"] as? Int == max(0, (row["highWatermark"] as? Int ?? 0) - 1), "\(row)")
                }
                // Every message but the one it read is still to read (the commands went to one partition).
                #expect(billingLag["lag"] as? Int == rows.compactMap { $0["lag"] as? Int }.reduce(0, +))
                #expect(billingLag["lag"] as? Int == messages - 1, "\(billingLag)")
                // A configured group that committed nothing is shown with no lag.
                let idleLag = try #require(groups.first { $0["groupId"] as? String == idle })
                #expect(idleLag["lag"] == nil || idleLag["lag"] is NSNull)

                // Polled again at once: the Kafka part comes from the cache.
                let again = try await stack.http.get("/v1/cluster").json()
                #expect((again["participants"] as? [String: Any])?["readAt"] as? String == participants["readAt"] as? String)
            }
        }
    }

    @Test("GET /v1/stats: sagas finished per type and outcome in each window, step latency percentiles by phase; GET /v1/sagas/{id} has the numbered history")
    func statsAndHistory() async throws {
        try await HTTPTestRun.test { harness in
            // A saga with {"refuse":true} is rejected by charge and compensates.
            let script: @Sendable (ParticipantCommand) -> ParticipantBehavior = { command in
                command.step == "charge" && command.phase == .pending && command.payload.objectValue?["refuse"] == .bool(true) ? .reject("no funds") : .succeed()
            }
            try await harness.withStack(script: script) { stack in
                let done = try #require(try await stack.http.post("/v1/sagas", json: #"{"type":"order","payload":{}}"#).json()["sagaId"] as? String)
                let refused = try #require(try await stack.http.post("/v1/sagas", json: #"{"type":"order","payload":{"refuse":true}}"#).json()["sagaId"] as? String)
                let outcomes = await stack.progress.waitForTerminal([done, refused], timeout: .seconds(120))
                #expect(outcomes[done] == .completed && outcomes[refused] == .compensated, "\(outcomes)")

                var stats: [String: Any] = [:]
                try await poll("the store to count both", within: .seconds(30)) {
                    stats = try await stack.http.get("/v1/stats").json()
                    return ((stats["finished"] as? [String: Any])?["lastMinute"] as? [String: Any])?["total"] as? Int == 2
                }
                let finished = try #require(stats["finished"] as? [String: [String: Any]])
                for window in ["lastMinute", "lastHour", "lastDay"] {
                    #expect(finished[window]?["total"] as? Int == 2, "\(window)")
                    #expect((finished[window]?["byType"] as? [String: [String: Int]])?["order"] == ["completed": 1, "compensated": 1], "\(window)")
                }
                #expect(finished["lastMinute"]?["seconds"] as? Int == 60)
                let latency = try #require(stats["stepLatency"] as? [String: Any])
                #expect(latency["source"] as? String == "progressHistory")
                let byPhase = try #require(latency["byPhase"] as? [String: [String: Int]])
                // Reserve and charge answered pending for both sagas (one charge refused), verify and approve
                // for the completed one; the refused one's two steps were compensated.
                #expect(byPhase["pending"]?["count"] == 4, "\(byPhase)")
                #expect(byPhase["verify"]?["count"] == 2 && byPhase["approve"]?["count"] == 2, "\(byPhase)")
                #expect(byPhase["compensate"]?["count"] == 2, "\(byPhase)")
                for (phase, figures) in byPhase {
                    let (p50, p90, p99, max) = (figures["p50"] ?? -1, figures["p90"] ?? -1, figures["p99"] ?? -1, figures["max"] ?? -1)
                    #expect(0 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max && max < 120_000, "\(phase): \(figures)")
                }
                #expect((stats["sagasByStatus"] as? [String: Int])?["completed"] == 1)

                let detail = try await stack.http.get("/v1/sagas/\(refused)").json()
                let history = try #require(detail["history"] as? [String: Any])
                #expect(history["enabled"] as? Bool == true)
                #expect(history["truncated"] as? Bool == false)
                #expect(history["limit"] as? Int == 100)
                let events = try #require(history["events"] as? [[String: Any]])
                #expect(events.compactMap { $0["sequence"] as? Int } == Array(1...events.count))
                #expect(events.count == detail["sequence"] as? Int)
                #expect(events.first?["event"] as? String == "sagaStarted")
                #expect(events.last?["event"] as? String == "sagaCompensated")
                let rejected = try #require(events.first { $0["event"] as? String == "stepRejected" })
                #expect((rejected["detail"] as? [String: Any])?["reason"] as? String == "no funds")
                #expect(rejected["latencyMs"] is Int)
                // What the progress topic carried, the history kept, event for event.
                #expect(events.compactMap { $0["event"] as? String } == stack.progress.orderedEvents(of: refused).map(\.event.rawValue))
            }
        }
    }

    @Test("progressHistory 0: no history in the detail, no latencies in the stats; a stopped instance's last heartbeat says it stopped")
    func historyOff() async throws {
        try await HTTPTestRun.test { harness in
            let instanceID = try await harness.withStack(orchestrator: { $0.progressHistory = 0 }) { stack in
                let id = try #require(try await stack.http.post("/v1/sagas", json: #"{"type":"order","payload":{}}"#).json()["sagaId"] as? String)
                #expect(await stack.progress.waitForTerminal([id], timeout: .seconds(120))[id] == .completed)
                try await poll("the store to show it completed", within: .seconds(30)) {
                    try await stack.http.get("/v1/sagas/\(id)").json()["status"] as? String == "completed"
                }
                let history = try #require(try await stack.http.get("/v1/sagas/\(id)").json()["history"] as? [String: Any])
                #expect(history["enabled"] as? Bool == false)
                #expect((history["events"] as? [Any])?.isEmpty == true)
                let latency = try #require(try await stack.http.get("/v1/stats").json()["stepLatency"] as? [String: Any])
                #expect(latency["source"] as? String == "off")
                #expect(latency["samples"] as? Int == 0)
                return stack.orchestrator.identity.instanceID
            }
            // Stopped gracefully: its last heartbeat, written as it stopped, says so.
            let rows = try await harness.openStore().withRunning { try await $0.instances(seenSince: 0, forgetBefore: 0) }
            let row = try #require(rows.first { $0.instanceID == instanceID })
            let report = try #require(InstanceReport.decode(row.status))
            #expect(report.shuttingDown)
            #expect(report.groupID == "orchestrator-\(harness.runID)")
        }
    }
}
