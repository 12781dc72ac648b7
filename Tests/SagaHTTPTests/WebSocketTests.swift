import Foundation
import HummingbirdWSClient
import SagaCore
import SagaHTTP
import SagaHTTPTestKit
import SagaTestKit
import Synchronization
import Testing

@Suite("GET /v1/ws", .serialized, .timeLimit(.minutes(3)))
struct WebSocketTests {
    /// Reads a socket's text messages as JSON objects until `enough` says stop (then closes it),
    /// within `timeout`.
    static func read(
        _ url: String, timeout: Duration = .seconds(60), until enough: @escaping @Sendable ([[String: any Sendable]]) -> Bool
    ) async throws -> [[String: Any]] {
        let received = Received()
        try await awaiting("the end of the WebSocket's messages", within: timeout, lastObserved: { "\(received.texts.withLock { $0 })" }) {
            _ = try await WebSocketClient.connect(url: url, logger: quietLogger) { inbound, outbound, _ in
                var texts: [String] = []
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    texts.append(text)
                    received.texts.withLock { $0 = texts }
                    let objects = texts.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: any Sendable] }
                    if enough(objects) { break }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
        }
        return received.texts.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    final class Received: Sendable {
        let texts = Mutex<[String]>([])
    }

    static func isCompleted(_ objects: [[String: any Sendable]]) -> Bool {
        objects.contains { ($0["event"] as? [String: any Sendable])?["event"] as? String == "sagaCompleted" }
    }

    @Test("a saga's events as JSON messages, numbered; reconnecting with lastEventId resumes after it")
    func eventsAndResume() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let other = try #require(try await stack.http.post("/v1/sagas", json: #"{"type":"order","payload":{}}"#).json()["sagaId"] as? String)
                let id = try #require(try await stack.http.post("/v1/sagas", json: #"{"type":"order","payload":{}}"#).json()["sagaId"] as? String)
                let outcomes = await stack.progress.waitForTerminal([id, other], timeout: .seconds(120))
                #expect(outcomes[id] == .completed && outcomes[other] == .completed)

                let base = "ws://127.0.0.1:\(stack.http.port)/v1/ws?sagaId=\(id)&from=beginning"
                let messages = try await Self.read(base, until: Self.isCompleted)
                #expect(messages.first?["type"] as? String == "open")
                #expect(messages.first?["position"] is String)
                let progress = messages.dropFirst()
                #expect(progress.allSatisfy { $0["type"] as? String == "progress" && $0["id"] is String })
                let events = progress.compactMap { $0["event"] as? [String: Any] }
                // Only the saga asked for, every event of it, in order.
                #expect(events.allSatisfy { $0["sagaId"] as? String == id })
                #expect(events.compactMap { $0["sequence"] as? Int } == Array(1...events.count))
                #expect(events.compactMap { $0["event"] as? String } == stack.progress.orderedEvents(of: id).map(\.event.rawValue))

                // Reconnect after the second event: the next message is the third.
                let second = try #require(progress.dropFirst().first?["id"] as? String)
                let resumed = try await Self.read(
                    "ws://127.0.0.1:\(stack.http.port)/v1/ws?sagaId=\(id)&lastEventId=\(second.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? second)",
                    until: Self.isCompleted
                )
                let resumedEvents = resumed.dropFirst().compactMap { $0["event"] as? [String: Any] }
                #expect(resumedEvents.compactMap { $0["sequence"] as? Int } == Array(3...events.count))

                // A state filter: the completed event only.
                let completed = try await Self.read(
                    "ws://127.0.0.1:\(stack.http.port)/v1/ws?type=order&state=completed&from=beginning",
                    until: { objects in objects.count >= 3 }
                )
                let completedEvents = completed.dropFirst().compactMap { $0["event"] as? [String: Any] }
                #expect(completedEvents.count == 2)
                #expect(completedEvents.allSatisfy { $0["event"] as? String == "sagaCompleted" })
                #expect(Set(completedEvents.compactMap { $0["sagaId"] as? String }) == [id, other])
            }
        }
    }

    @Test("errors: a plain GET is 426, a wrong filter 400 (and no upgrade), no token 401")
    func errors() async throws {
        try await HTTPTestRun.test { harness in
            let reader = try APIToken(name: "r", sha256Hex: APIToken.hash("read-token"), role: .read)
            try await harness.withStack(configure: { $0.tokens = [reader] }) { stack in
                let auth = ["Authorization": "Bearer read-token"]
                let plain = try await stack.http.get("/v1/ws", headers: auth)
                #expect(plain.status == 426)
                #expect(plain.header("Content-Type")?.hasPrefix("application/problem+json") == true)
                #expect(try plain.json()["detail"] as? String ?? "" != "")
                #expect(try await stack.http.get("/v1/ws?state=bogus", headers: auth).status == 400)
                #expect(try await stack.http.get("/v1/ws?lastEventId=x", headers: auth).status == 400)
                #expect(try await stack.http.get("/v1/ws").status == 401)
                // An upgrade with no token is refused: the client sees no WebSocket.
                await #expect(throws: (any Error).self) {
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(stack.http.port)/v1/ws", logger: quietLogger) { _, _, _ in }
                }
                // With the token and a wrong filter: refused too.
                var configuration = WebSocketClientConfiguration()
                configuration.additionalHeaders = [.authorization: "Bearer read-token"]
                await #expect(throws: (any Error).self) {
                    try await WebSocketClient.connect(url: "ws://127.0.0.1:\(stack.http.port)/v1/ws?state=bogus", configuration: configuration, logger: quietLogger) { _, _, _ in }
                }
                // With the token: upgraded.
                let opened = Received()
                try await WebSocketClient.connect(url: "ws://127.0.0.1:\(stack.http.port)/v1/ws", configuration: configuration, logger: quietLogger) { inbound, outbound, _ in
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let text) = message, text.contains(#""type":"open""#) { opened.texts.withLock { $0.append(text) } }
                        break
                    }
                    try await outbound.close(.normalClosure, reason: nil)
                }
                #expect(opened.texts.withLock { $0.count } == 1)
            }
        }
    }
}
