import Foundation
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaRuntime
import SagaTestKit
import Testing

@Suite("Health, readiness and metrics", .serialized, .timeLimit(.minutes(3)))
struct OpsEndpointTests {
    @Test("/health and /ready answer 200 on a running orchestrator, and /metrics counts what ran")
    func metricsMatchWhatRan() async throws {
        try await HTTPTestRun.test { harness in
            // The charge step refuses orders whose payload says so: those sagas compensate.
            let script: @Sendable (ParticipantCommand) -> ParticipantBehavior = { command in
                if command.step == "charge", command.phase == .pending, command.payload.objectValue?["refuse"] == .bool(true) {
                    return .reject("card declined")
                }
                return .succeed()
            }
            try await harness.withStack(script: script) { stack in
                let health = try await stack.ops.get("/health")
                #expect(health.status == 200, "\(health.text)")
                #expect(try health.json()["status"] as? String == "ok")
                let ready = try await stack.ops.get("/ready")
                #expect(ready.status == 200, "\(ready.text)")
                #expect(try ready.json()["failed"] as? [String] == [])

                let client = try harness.client()
                let good = try await client.start((0..<3).map { StartSagaCommand(sagaType: "order", businessKey: "ok-\($0)") })
                let bad = try await client.start([StartSagaCommand(sagaType: "order", businessKey: "refused", payload: .object(["refuse": .bool(true)]))])
                try await client.sendRaw(Array("not json".utf8), key: "junk")
                await client.shutdown()
                let outcomes = await stack.progress.waitForTerminal(good + bad, timeout: .seconds(120))
                #expect(good.allSatisfy { outcomes[$0] == .completed }, "\(outcomes)")
                #expect(outcomes[bad[0]] == .compensated, "\(outcomes)")

                // The gauges are set once a second; the dead letter is counted when its batch commits.
                var samples = PrometheusSamples(samples: [])
                var text = ""
                do {
                    try await poll("the active gauge to reach 0 and the dead letter to be counted", within: .seconds(30)) {
                        text = try await stack.ops.get("/metrics").text
                        samples = try PrometheusSamples.parse(text)
                        // The lag gauges are set once the partitions were read from (a position);
                        // the gauges are sampled each second, so a busy moment may show a backlog.
                        let lags = samples.samples.filter { $0.name == "saga_consumer_lag" }
                        return samples.value("saga_sagas_active", ["type": "order"]) == 0
                            && samples.value("saga_dead_letters_total", ["reason": "malformed"]) == 1
                            && !lags.isEmpty && lags.allSatisfy { $0.value == 0 }
                            && samples.value("saga_outbox_backlog") == 0
                    }
                } catch {
                    Issue.record("\(error); /metrics was:\n\(text)")
                    throw error
                }
                #expect(samples.value("saga_sagas_started_total", ["type": "order"]) == 4)
                #expect(samples.value("saga_sagas_finished_total", ["type": "order", "outcome": "completed"]) == 3)
                #expect(samples.value("saga_sagas_finished_total", ["type": "order", "outcome": "compensated"]) == 1)
                // Every saga's reserve succeeded in the pending phase; one charge was refused.
                #expect(samples.value("saga_step_outcomes_total", ["step": "reserve", "phase": "pending", "outcome": "succeeded"]) == 4)
                #expect(samples.value("saga_step_outcomes_total", ["step": "charge", "phase": "pending", "outcome": "rejected"]) == 1)
                #expect(samples.value("saga_step_outcomes_total", ["step": "charge", "phase": "approve", "outcome": "succeeded"]) == 3)
                #expect(samples.value("saga_step_outcomes_total", ["step": "reserve", "phase": "compensate", "outcome": "compensated"]) == 1)
                #expect(samples.value("saga_step_outcomes_total", ["step": "charge", "phase": "compensate", "outcome": "compensated"]) == 1)
                // A reply latency per reply: 4 reserve and 4 charge (one refused) in pending, 2 per
                // completed saga in verify and approve, the 2 compensations of the refused one.
                for (phase, count) in [("pending", 8.0), ("verify", 6.0), ("approve", 6.0), ("compensate", 2.0)] {
                    #expect(samples.value("saga_step_reply_duration_seconds_count", ["phase": phase]) == count, "\(phase)")
                    // Each within the run, not a clock mix-up.
                    let sum = samples.value("saga_step_reply_duration_seconds_sum", ["phase": phase]) ?? -1
                    #expect(sum > 0 && sum < count * 60, "\(phase): \(sum) s")
                }
                // Histograms: one observation per finished saga.
                #expect(samples.value("saga_saga_duration_seconds_count", ["outcome": "completed"]) == 3)
                #expect(samples.sum("saga_store_commit_duration_seconds_count") >= 1)
                #expect(samples.sum("saga_batch_apply_duration_seconds_count") >= 1)
                #expect(samples.value("saga_store_commits_total").map { $0 >= 1 } == true)
                // Where an input's time goes; every saga's messages were published.
                for histogram in ["saga_input_age_seconds", "saga_commit_residence_seconds", "saga_relay_queue_duration_seconds", "saga_relay_ack_duration_seconds"] {
                    #expect(samples.sum("\(histogram)_count") >= 1, "\(histogram)")
                }
                // At least started, a phase per step and finished for each of the four sagas.
                #expect(samples.value("saga_outbox_published_total").map { $0 >= 4 * 3 } == true)
                #expect(samples.value("saga_rebalances_total", ["kind": "assigned"]).map { $0 >= 1 } == true)
                // Owned now; a rebalance on a busy machine may have moved partitions meanwhile.
                #expect(samples.value("saga_owned_partitions") != nil, "rebalances: \(samples.samples.filter { $0.name == "saga_rebalances_total" })")
                #expect(samples.value("saga_outbox_backlog") == 0)
                #expect(samples.value("saga_fenced_commits_total") == 0)
                // Caught up: no lag on the inputs of the partitions it owns.
                let lags = samples.samples.filter { $0.name == "saga_consumer_lag" }
                #expect(Set(lags.compactMap { $0.labels["topic"] }).isSubset(of: ["saga.commands", "saga.replies"]))
                #expect(lags.contains { $0.labels["topic"] == "saga.replies" }, "\(lags)")
                // The probes above were counted by route and status.
                #expect(samples.value("saga_http_requests_total", ["route": "/health", "method": "GET", "status": "200"]) == 1)
                #expect(samples.value("saga_http_requests_total", ["route": "/ready", "method": "GET", "status": "200"]) == 1)
                // A scrape is counted once answered, so the next one shows it.
                let next = try PrometheusSamples.parse(try await stack.ops.get("/metrics").text)
                #expect(next.sum("saga_http_requests_total", ["route": "/metrics", "status": "200"]) >= 1)
            }
        }
    }

    @Test("/metrics is Prometheus text, with its content type")
    func metricsContentType() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let metrics = try await stack.ops.get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(metrics.text.contains("# TYPE saga_store_commits_total counter"))
            }
        }
    }

    @Test("A separate ops listener serves the probes; the API listener then does not")
    func separateOpsListener() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack(configure: { $0.ops = .init(host: "127.0.0.1", port: 0) }) { stack in
                #expect(stack.server.boundAddresses[.ops] != nil)
                #expect(stack.server.boundAddresses[.ops]?.port != stack.server.boundAddresses[.api]?.port)
                #expect(try await stack.ops.get("/ready").status == 200)
                #expect(try await stack.ops.get("/metrics").status == 200)
                let onAPI = try await stack.http.get("/metrics")
                #expect(onAPI.status == 404)
                #expect(onAPI.header("Content-Type") == "application/problem+json")
            }
        }
    }

    @Test("/health and /ready answer 503 naming what failed when the orchestrator is not running or the store is gone")
    func notReady() async throws {
        try await HTTPTestRun.test { harness in
            let store = try await harness.openStore()
            let orchestrator = try harness.orchestrator(store)
            let server = harness.server(orchestrator)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await server.run() }
                try await poll("the listener", within: .seconds(30)) { server.boundAddresses[.api] != nil }
                let client = HTTPTestClient(base: "http://127.0.0.1:\(server.boundAddresses[.api]!.port)")

                try await store.withRunning { _ in
                    let health = try await client.get("/health")
                    #expect(health.status == 503)
                    #expect(try health.json()["detail"] as? String == "the orchestrator is not running")
                    let ready = try await client.get("/ready")
                    #expect(ready.status == 503)
                    #expect(try ready.json()["failed"] as? [String] == ["consumerGroup", "loop"])
                    #expect((try ready.json()["checks"] as? [String: String])?["store"] == "ok")
                }

                // The store's run has ended: it is gone.
                let ready = try await client.get("/ready")
                #expect(ready.status == 503)
                #expect(try ready.json()["failed"] as? [String] == ["consumerGroup", "loop", "store"])
                let storeCheck = (try ready.json()["checks"] as? [String: String])?["store"] ?? ""
                #expect(storeCheck.hasPrefix("the store did not answer"), "\(storeCheck)")
                tasks.cancelAll()
            }
        }
    }

    @Test("An unknown route is a 404 problem document")
    func unknownRoute() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let answer = try await stack.http.get("/no/such/thing")
                #expect(answer.status == 404)
                #expect(answer.header("Content-Type") == "application/problem+json")
                let problem = try answer.json()
                #expect(problem["status"] as? Int == 404)
                #expect((problem["detail"] as? String)?.contains("/no/such/thing") == true)
            }
        }
    }
}
