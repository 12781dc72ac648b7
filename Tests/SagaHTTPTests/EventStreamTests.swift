import Foundation
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaTestKit
import Testing

@Suite("GET /v1/events (Server-Sent Events)", .serialized, .timeLimit(.minutes(3)))
struct EventStreamTests {
    @Test("A saga's events arrive in order, filtered; Last-Event-ID resumes right after; filters by state and bad ids are 400s")
    func streamAndResume() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let other = try await stack.http.post("/v1/sagas", json: #"{"type":"order","businessKey":"other"}"#).json()["sagaId"] as? String
                let started = try await stack.http.post("/v1/sagas", json: #"{"type":"order","businessKey":"watched"}"#)
                let id = try #require(try started.json()["sagaId"] as? String)
                let outcomes = await stack.progress.waitForTerminal([id, try #require(other)], timeout: .seconds(120))
                #expect(outcomes[id] == .completed)
                let expected = stack.progress.events(of: id)
                #expect(expected.count >= 5)
                let port = stack.http.port

                let all = try await SSEReader.read(port: port, path: "/v1/events?from=beginning&sagaId=\(id)", count: expected.count, timeout: .seconds(30))
                #expect(all.status == 200)
                #expect(all.contentType == "text/event-stream")
                #expect(all.events.count == expected.count)
                #expect(all.events.map { $0.json["sequence"] as? Int } == expected.map { Int($0.sequence) })
                #expect(all.events.allSatisfy { $0.json["sagaId"] as? String == id && $0.event == "progress" && $0.id != nil })
                #expect(all.events.last?.json["event"] as? String == "sagaCompleted")

                // Reconnect after the third event: the fourth comes first, nothing is missed.
                let resumed = try await SSEReader.read(
                    port: port, path: "/v1/events?sagaId=\(id)", count: expected.count - 3, timeout: .seconds(30),
                    lastEventID: all.events[2].id
                )
                #expect(resumed.events.map { $0.json["sequence"] as? Int } == expected.dropFirst(3).map { Int($0.sequence) })

                // Only final states: both sagas' sagaCompleted, nothing else.
                let finals = try await SSEReader.read(port: port, path: "/v1/events?from=beginning&state=completed&type=order", count: 2, timeout: .seconds(30))
                #expect(Set(finals.events.compactMap { $0.json["sagaId"] as? String }) == Set([id, other!]))
                #expect(finals.events.allSatisfy { $0.json["state"] as? String == "completed" })

                let bad = try await SSEReader.read(port: port, path: "/v1/events", count: 1, timeout: .seconds(10), lastEventID: "yesterday")
                #expect(bad.status == 400)
                #expect(bad.body?.contains("Last-Event-ID 'yesterday'") == true)
                let badState = try await SSEReader.read(port: port, path: "/v1/events?state=done", count: 1, timeout: .seconds(10))
                #expect(badState.status == 400)
            }
        }
    }

    @Test("Graceful shutdown closes open streams, so the server stops within its bound")
    func shutdownClosesStreams() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let port = stack.http.port
                let started = ContinuousClock.now
                let answer = try await withThrowingTaskGroup(of: SSEReader.Answer?.self) { group in
                    group.addTask {
                        try await SSEReader.read(port: port, path: "/v1/events", count: 1_000, timeout: .seconds(90))
                    }
                    group.addTask {
                        try await poll("the stream to open", within: .seconds(30)) { stack.server.openEventStreams == 1 }
                        await stack.shutdown()
                        return nil
                    }
                    var reader: SSEReader.Answer?
                    for try await result in group { if let result { reader = result } }
                    return reader
                }
                #expect(answer?.status == 200)
                #expect(ContinuousClock.now - started < .seconds(60), "the stream was not closed at shutdown")
                #expect(stack.server.openEventStreams == 0)
            }
        }
    }
}
