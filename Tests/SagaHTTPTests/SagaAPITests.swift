import Foundation
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaRuntime
import SagaTestKit
import Testing

@Suite("REST API", .serialized, .timeLimit(.minutes(3)))
struct SagaAPITests {
    @Test("POST /v1/sagas starts a saga; GET reads it and lists it, filtered and page by page")
    func startReadAndList() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                var ids: [String] = []
                for n in 0..<3 {
                    let answer = try await stack.http.post("/v1/sagas", json: #"{"type":"order","businessKey":"b-\#(n)","payload":{"n":\#(n)}}"#)
                    #expect(answer.status == 202, "\(answer.text)")
                    let id = try #require(try answer.json()["sagaId"] as? String)
                    #expect(answer.header("Location") == "/v1/sagas/\(id)")
                    ids.append(id)
                }
                // The same business key is the same saga.
                let again = try await stack.http.post("/v1/sagas", json: #"{"type":"order","businessKey":"b-0"}"#)
                #expect(try again.json()["sagaId"] as? String == ids[0])

                let outcomes = await stack.progress.waitForTerminal(ids, timeout: .seconds(120))
                #expect(ids.allSatisfy { outcomes[$0] == .completed }, "\(outcomes)")
                try await poll("the store to show the sagas completed", within: .seconds(30)) {
                    let page = try await stack.http.get("/v1/sagas?state=completed").json()
                    return (page["items"] as? [[String: Any]])?.count == 3
                }

                let detail = try await stack.http.get("/v1/sagas/\(ids[1])")
                #expect(detail.status == 200)
                let saga = try detail.json()
                #expect(saga["status"] as? String == "completed")
                #expect(saga["businessKey"] as? String == "b-1")
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                let created = try #require(formatter.date(from: saga["createdAt"] as? String ?? ""), "createdAt: \(saga["createdAt"] ?? "none")")
                #expect(abs(created.timeIntervalSinceNow) < 600)
                #expect((saga["payload"] as? [String: Any])?["n"] as? Int == 1)
                let steps = try #require(saga["steps"] as? [[String: Any]])
                #expect(steps.map { $0["name"] as? String } == ["reserve", "charge"])
                #expect(steps.allSatisfy { $0["progress"] as? String == "done" })

                // The short id the CLI prints finds the saga when no other id starts with it.
                let short = try await stack.http.get("/v1/sagas/\(ids[1].prefix(8))")
                #expect(short.status == 200)
                #expect(try short.json()["id"] as? String == ids[1])
                #expect(try await stack.http.get("/v1/sagas/\(ids[1].prefix(3))").status == 404)

                let byKey = try await stack.http.get("/v1/sagas?businessKey=b-2&type=order").json()
                #expect((byKey["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[2]])
                let none = try await stack.http.get("/v1/sagas?state=compensated").json()
                #expect((none["items"] as? [[String: Any]])?.isEmpty == true)

                // Walk the listing one saga a page: every saga once, then no cursor.
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let path = "/v1/sagas?limit=1" + (cursor.map { "&cursor=\($0)" } ?? "")
                    let page = try await stack.http.get(path).json()
                    let items = try #require(page["items"] as? [[String: Any]])
                    seen += items.compactMap { $0["id"] as? String }
                    cursor = page["nextCursor"] as? String
                } while cursor != nil && seen.count < 10
                #expect(seen.sorted() == ids.sorted())
            }
        }
    }

    @Test("Controls: pause, resume and cancel reach the saga's owner")
    func controls() async throws {
        try await HTTPTestRun.test { harness in
            // Charge never answers its pending command until the saga is cancelled.
            let script: @Sendable (ParticipantCommand) -> ParticipantBehavior = { command in
                command.step == "charge" && command.phase == .pending ? .silent : .succeed()
            }
            try await harness.withStack(script: script) { stack in
                let started = try await stack.http.post("/v1/sagas", json: #"{"type":"order"}"#)
                let id = try #require(try started.json()["sagaId"] as? String)
                _ = try #require(await stack.progress.waitForEvent(of: id, timeout: .seconds(30)) { $0.event == .sagaStarted })

                // With wait, the answer is the owner's verdict.
                let pause = try await stack.http.post("/v1/sagas/\(id)/pause?wait=20s", json: #"{"reason":"looking into it"}"#)
                #expect(pause.status == 200, "\(pause.text)")
                #expect(try pause.json()["action"] as? String == "pause")
                #expect(try pause.json()["status"] as? String == "applied")
                #expect(try pause.json()["event"] as? String == "paused")
                #expect(try await stack.http.post("/v1/sagas/\(id)/pause?wait=forever").status == 400)
                _ = try #require(await stack.progress.waitForEvent(of: id, timeout: .seconds(30)) { $0.event == .paused })
                #expect(try await stack.http.post("/v1/sagas/\(id)/resume").status == 202)
                _ = try #require(await stack.progress.waitForEvent(of: id, timeout: .seconds(30)) { $0.event == .resumed })
                #expect(try await stack.http.post("/v1/sagas/\(id)/steps/charge/retry").status == 202)
                _ = try #require(await stack.progress.waitForEvent(of: id, timeout: .seconds(30)) { $0.event == .retryRequested || $0.event == .controlRejected })
                #expect(try await stack.http.post("/v1/sagas/\(id)/cancel", json: #"{"reason":"customer called"}"#).status == 202)
                let outcome = await stack.progress.waitForTerminal([id], timeout: .seconds(120))
                #expect(outcome[id] == .compensated)
                // A finished saga refuses controls, and says why.
                let late = try await stack.http.post("/v1/sagas/\(id)/resume?wait=20s")
                #expect(late.status == 200, "\(late.text)")
                #expect(try late.json()["status"] as? String == "rejected", "\(late.text)")
                #expect((try late.json()["reason"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test("Errors are problem documents: 400 bad JSON naming the byte, 413, 404, 422")
    func errors() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack(configure: { $0.maxBodyBytes = 1024 }) { stack in
                func expectProblem(_ answer: HTTPTestClient.Answer, _ status: Int, _ detail: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                    #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
                    #expect(answer.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
                    let problem = try answer.json()
                    #expect(problem["status"] as? Int == status, sourceLocation: sourceLocation)
                    let text = problem["detail"] as? String ?? ""
                    #expect(text.contains(detail), "detail: \(text)", sourceLocation: sourceLocation)
                }
                try expectProblem(try await stack.http.post("/v1/sagas", json: #"{"type": "order",, }"#), 400, "at byte 17")
                try expectProblem(try await stack.http.post("/v1/sagas", json: "[1]"), 400, "must be a JSON object")
                try expectProblem(try await stack.http.post("/v1/sagas", json: #"{"type":"nope"}"#), 422, "nope")
                try expectProblem(try await stack.http.post("/v1/sagas", json: #"{"type":"order","version":7}"#), 422, "order@1")
                try expectProblem(try await stack.http.post("/v1/sagas", json: #"{"payload":{}}"#), 422, "'type'")
                try expectProblem(try await stack.http.post("/v1/sagas", json: #"{"type":"order","color":"red"}"#), 422, "unknown member 'color'")
                try expectProblem(try await stack.http.post("/v1/sagas", json: #"{"type":5}"#), 422, "'type' must be a string")
                let big = #"{"type":"order","payload":{"blob":""# + String(repeating: "x", count: 4096) + #""}}"#
                try expectProblem(try await stack.http.post("/v1/sagas", json: big), 413, "1024 bytes")
                try expectProblem(try await stack.http.get("/v1/sagas/no-such-saga"), 404, "no-such-saga")
                try expectProblem(try await stack.http.post("/v1/sagas/no-such-saga/cancel"), 404, "no-such-saga")
                try expectProblem(try await stack.http.get("/v1/sagas?limit=0"), 400, "'limit'")
                try expectProblem(try await stack.http.get("/v1/sagas?state=running"), 400, "'state' has 'running'")
                try expectProblem(try await stack.http.get("/v1/sagas?cursor=%21%21"), 400, "'cursor'")
                try expectProblem(try await stack.http.get("/v1/definitions/order/x"), 400, "integer")
                try expectProblem(try await stack.http.get("/v1/definitions/order/9"), 404, "order")
                try expectProblem(try await stack.http.get("/v2/anything"), 404, "/v2/anything")

                // An existing saga with an unknown step.
                let started = try await stack.http.post("/v1/sagas", json: #"{"type":"order","businessKey":"k"}"#)
                let id = try #require(try started.json()["sagaId"] as? String)
                _ = await stack.progress.waitForTerminal([id], timeout: .seconds(120))
                try await poll("the saga in the store", within: .seconds(30)) { try await stack.http.get("/v1/sagas/\(id)").status == 200 }
                try expectProblem(try await stack.http.post("/v1/sagas/\(id)/steps/ship/retry"), 404, "no step 'ship'")
            }
        }
    }

    @Test("GET /v1/definitions lists the definitions with their DAG layers; /v1/stats counts sagas")
    func definitionsAndStats() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let list = try await stack.http.get("/v1/definitions").json()
                let items = try #require(list["items"] as? [[String: Any]])
                #expect(items.count == 1)
                #expect(items.first?["type"] as? String == "order")
                #expect(items.first?["layers"] as? [[String]] == [["reserve"], ["charge"]])
                let one = try await stack.http.get("/v1/definitions/order/1")
                #expect(one.status == 200)
                #expect((try one.json()["steps"] as? [[String: Any]])?.last?["dependsOn"] as? [String] == ["reserve"])

                let stats = try await stack.http.get("/v1/stats").json()
                #expect((stats["instance"] as? [String: Any])?["ownedPartitions"] as? Int == 2)
                #expect(stats["sagasByStatus"] as? [String: Int] == [:])
            }
        }
    }
}
