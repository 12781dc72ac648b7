import Foundation
import SagaHTTP
import SagaHTTPTestKit
import Testing

@Suite("Bearer tokens and roles", .serialized, .timeLimit(.minutes(3)))
struct BearerTokenTests {
    @Test("No token or an unknown one is a 401; a read token reads but may not start (403); an operate token starts; probes need none")
    func roles() async throws {
        let reader = try APIToken(name: "dashboard", sha256Hex: APIToken.hash("reader-secret"), role: .read)
        let operatorToken = try APIToken(name: "oncall", sha256Hex: APIToken.hash("operator-secret"), role: .operate)
        try await HTTPTestRun.test { harness in
            try await harness.withStack(configure: { $0.tokens = [reader, operatorToken] }) { stack in
                let anonymous = try await stack.http.get("/v1/sagas")
                #expect(anonymous.status == 401)
                #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(anonymous.header("Content-Type") == "application/problem+json")
                let wrong = try await stack.http.get("/v1/sagas", headers: ["Authorization": "Bearer guessed"])
                #expect(wrong.status == 401)
                #expect(try wrong.json()["detail"] as? String == "the bearer token is not one this server accepts")
                #expect(try await stack.http.get("/v1/sagas", headers: ["Authorization": "Basic cmVhZGVyLXNlY3JldA=="]).status == 401)

                let read = ["Authorization": "Bearer reader-secret"]
                #expect(try await stack.http.get("/v1/sagas", headers: read).status == 200)
                #expect(try await stack.http.get("/v1/definitions", headers: read).status == 200)
                let refused = try await stack.http.post("/v1/sagas", json: #"{"type":"order"}"#, headers: read)
                #expect(refused.status == 403)
                #expect((try refused.json()["detail"] as? String)?.contains("token 'dashboard' has role read") == true)

                let operate = ["Authorization": "Bearer operator-secret"]
                let started = try await stack.http.post("/v1/sagas", json: #"{"type":"order"}"#, headers: operate)
                #expect(started.status == 202, "\(started.text)")
                #expect(try await stack.http.get("/v1/sagas", headers: operate).status == 200)

                for path in ["/health", "/ready", "/metrics"] {
                    #expect(try await stack.ops.get(path).status == 200, "\(path)")
                }
            }
        }
    }

    @Test("An API listener beyond loopback needs tokens; the ops listener does not")
    func validation() throws {
        #expect(throws: SagaHTTPError.self) {
            try SagaHTTPConfiguration(api: .init(host: "0.0.0.0", port: 8080)).validate()
        }
        var withTokens = SagaHTTPConfiguration(api: .init(host: "0.0.0.0", port: 8080))
        withTokens.tokens = [try APIToken(name: "t", sha256Hex: APIToken.hash("x"), role: .read)]
        try withTokens.validate()
        try SagaHTTPConfiguration(api: .init(host: "127.0.0.1", port: 8080), ops: .init(host: "0.0.0.0", port: 9090)).validate()
        try SagaHTTPConfiguration(api: nil, ops: .init(host: "0.0.0.0", port: 9090)).validate()
    }

    @Test("A token's hash must be 64 hex digits; the hash is SHA-256")
    func tokenHash() throws {
        #expect(APIToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(throws: SagaHTTPError.self) { try APIToken(name: "short", sha256Hex: "abcd", role: .read) }
        #expect(throws: SagaHTTPError.self) { try APIToken(name: "not hex", sha256Hex: String(repeating: "zz", count: 32), role: .read) }
    }

    @Test("A port already taken is a clear error naming the listener")
    func portTaken() async throws {
        try await HTTPTestRun.test { harness in
            try await harness.withStack { stack in
                let taken = try require_(stack.server.boundAddresses[.api], "the API address")
                try await harness.openStore().withRunning { store in
                    let second = harness.server(try harness.orchestrator(store)) { $0.api = taken }
                    await #expect {
                        try await second.run()
                    } throws: { error in
                        "\(error)".contains("cannot listen on 127.0.0.1:\(taken.port) (the api listener)")
                    }
                }
            }
        }
    }
}
