import Foundation
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaRuntime
import SagaStore
import SagaTestKit
import ServiceLifecycle
import Testing

@Suite("Several instances on PostgreSQL", .serialized, .timeLimit(.minutes(4)))
struct MultiInstanceTests {
    @Test("two instances share the partitions: each answers reads for every saga, /v1/cluster and /v1/stats say the same on both")
    func anyInstanceAnswers() async throws {
        try await HTTPTestRun.test { harness in
            let postgres = try await PostgresTestServer.shared()
            let url = try SagaStoreURL(try await postgres.makeDatabase())
            // A pool each, as two processes would have.
            let stores = [try await url.openSagaStore(logger: quietLogger), try await url.openSagaStore(logger: quietLogger)]
            let orchestrators = try stores.map { try harness.orchestrator($0) }
            let servers = orchestrators.map { harness.server($0) }
            let participants = try harness.participants { _ in .succeed() }
            let progress = try harness.progress()
            let group = ServiceGroup(configuration: .init(
                // The stores first, so the last stopped.
                services: stores.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                    + zip(orchestrators, servers).flatMap { [ServiceGroupConfiguration.ServiceConfiguration(service: $0.0), .init(service: $0.1)] },
                logger: quietLogger
            ))
            let stopped = Gate()
            try await withRunningTasks(
                [
                    {
                        defer { stopped.open() }
                        try await group.run()
                    },
                    { try await participants.run() },
                    { try await progress.run() },
                ],
                ready: {
                    // Each orchestrator's status, the participants' and the collector's assignments wake
                    // their waiters; the listeners tell no one they are bound, so they are asked.
                    for orchestrator in orchestrators {
                        let owned = await orchestrator.waitForStatus(within: .seconds(60)) { $0.ownedPartitions == 1 }
                        try #require(owned != nil, "an instance did not own one partition within 60 s: \(orchestrators.map(\.status.ownedPartitions))")
                    }
                    try await participants.waitUntilReady(within: .seconds(60))
                    try await progress.waitUntilReady(within: .seconds(60))
                    try await poll("both API listeners to be bound", within: .seconds(60)) { servers.allSatisfy { $0.boundAddresses[.api] != nil } }
                },
                stop: {
                    await group.triggerGracefulShutdown()
                    try await stopped.wait(for: "the service group to stop gracefully", within: .seconds(60))
                },
                onFailure: { await group.triggerGracefulShutdown() }
            ) {
                let clients = try servers.map { HTTPTestClient(base: "http://127.0.0.1:\(try require_($0.boundAddresses[.api], "an API address").port)") }
                try await check(clients, orchestrators, progress)
            }
        }
    }

    private func check(_ clients: [HTTPTestClient], _ orchestrators: [Orchestrator], _ progress: ProgressCollector) async throws {
        var ids: [String] = []
        for n in 0..<8 {
            // Started through either instance.
            let answer = try await clients[n % 2].post("/v1/sagas", json: #"{"type":"order","businessKey":"m-\#(n)"}"#)
            ids.append(try #require(try answer.json()["sagaId"] as? String))
        }
        let outcomes = await progress.waitForTerminal(ids, timeout: .seconds(120))
        #expect(ids.allSatisfy { outcomes[$0] == .completed }, "\(outcomes)")
        // Both partitions had sagas (8 random ids on 2 partitions: all on one is 1 in 128).
        try await poll("every saga to be completed in the store", within: .seconds(30)) {
            try await clients[0].get("/v1/stats").json()["sagasByStatus"] as? [String: Int] == ["completed": 8]
        }
        for id in ids {
            for client in clients {
                let detail = try await client.get("/v1/sagas/\(id)")
                #expect(detail.status == 200, "\(id) from \(client.base)")
                let saga = try detail.json()
                #expect(saga["status"] as? String == "completed")
                let events = ((saga["history"] as? [String: Any])?["events"] as? [[String: Any]]) ?? []
                #expect(events.count == saga["sequence"] as? Int && !events.isEmpty, "\(id) from \(client.base)")
            }
        }
        var views: [[String: Any]] = []
        try await poll("both heartbeats to show one partition each, on both instances", within: .seconds(30)) {
            views = try await clients.asyncMap { try await $0.get("/v1/cluster").json() }
            return views.allSatisfy { view in
                let instances = view["instances"] as? [[String: Any]] ?? []
                return instances.count == 2 && instances.allSatisfy { ($0["partitions"] as? [Any])?.count == 1 && $0["stale"] as? Bool == false }
            }
        }
        let own = orchestrators.map(\.identity.instanceID)
        for (index, view) in views.enumerated() {
            #expect(view["answeredBy"] as? String == own[index])
            #expect(view["unownedPartitions"] as? [Int] == [])
            let instances = try #require(view["instances"] as? [[String: Any]])
            #expect(Set(instances.compactMap { $0["instanceId"] as? String }) == Set(own))
            #expect(instances.filter { $0["answering"] as? Bool == true }.compactMap { $0["instanceId"] as? String } == [own[index]])
            let partitions = instances.flatMap { ($0["partitions"] as? [[String: Any]]) ?? [] }.compactMap { $0["partition"] as? Int }
            #expect(partitions.sorted() == [0, 1])
        }
        for client in clients {
            let finished = try await client.get("/v1/stats").json()["finished"] as? [String: [String: Any]]
            #expect(finished?["lastMinute"]?["total"] as? Int == 8, "\(client.base)")
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
