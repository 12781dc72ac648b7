import Foundation
import SagaHTTP
import SagaRuntime
import Testing

/// `saga orchestrator --print-config` and `--print-topics`: settings resolved and printed without
/// connecting; unknown or bad `SAGA_*` variables and configuration keys refused by name.
@Suite("saga orchestrator --print-config and --print-topics", .timeLimit(.minutes(2)))
struct PrintSettingsTests {
    private func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32?, output: String, error: String) {
        let child = try ChildProcess(Products.saga, ["orchestrator"] + arguments, environment: environment)
        let status = try await child.waitForExit(timeout: .seconds(30))
        return (status, child.output, child.errorOutput)
    }

    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-print-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("file < environment < flags, secrets masked, no broker needed; the output is itself a valid --config file")
    func printsConfig() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("orchestrator.yaml")
        try Data("""
            bootstrapServers: [file-kafka:9092]
            partitions: 3
            groupId: from-file
            definitions: [/etc/saga/definitions]
            kafka:
              security.protocol: SASL_SSL
              sasl.password: file-s3cr3t

            """.utf8).write(to: config)
        let first = try await run(["--config", config.path, "--partitions", "12", "--ops-http", "0.0.0.0:9090", "--print-config"], environment: [
            "SAGA_BOOTSTRAP_SERVERS": "env-kafka:9092,env-kafka-2:9092",
            "SAGA_PARTITIONS": "6",
            "SAGA_STORE": "postgres://saga:hunter2-pw@db:5432/saga",
            "SAGA_KAFKA_SASL_USERNAME": "orchestrator",
            "SAGA_KAFKA_SSL_KEY_PASSWORD": "env-s3cr3t",
        ])
        #expect(first.status == 0, "\(first.error)")
        let lines = Set(first.output.split(separator: "\n").map(String.init))
        for expected in [
            #"bootstrapServers: ["env-kafka:9092", "env-kafka-2:9092"]"#,
            "partitions: 12",
            #"groupId: "from-file""#,
            #"definitions: ["/etc/saga/definitions"]"#,
            #"opsHttp: "0.0.0.0:9090""#,
            #"http: "127.0.0.1:8080""#,
            #"  "sasl.username": "orchestrator""#,
            #"  "sasl.password": "***""#,
            #"  "ssl.key.password": "***""#,
            #"  "security.protocol": "SASL_SSL""#,
        ] {
            #expect(lines.contains(expected), "missing \(expected) in:\n\(first.output)")
        }
        #expect(first.output.contains("postgres://saga:***@db"), "\(first.output)")
        for secret in ["hunter2", "s3cr3t"] { #expect(!first.output.contains(secret), "\(first.output)") }

        // Printed once more from its own output (with the secrets, which print-config masks, left
        // out of the comparison): the same settings.
        let again = directory.appendingPathComponent("again.yaml")
        try Data(first.output.utf8).write(to: again)
        let second = try await run(["--config", again.path, "--print-config"])
        #expect(second.status == 0, "\(second.error)")
        #expect(second.output == first.output, "\(second.output)\nvs\n\(first.output)")
    }

    /// A value each setting can take, as text, and how --print-config shows it.
    private static let samples: [String: (given: String, printed: String)] = [
        "bootstrapServers": ("k1:9092,k2:9092", #"["k1:9092", "k2:9092"]"#), "topicPrefix": ("acme.", #""acme.""#),
        "partitions": ("5", "5"), "store": ("sqlite:/tmp/sample.sqlite", #""sqlite:/tmp/sample.sqlite""#),
        "definitions": ("/d1", #"["/d1"]"#), "groupId": ("sample-group", #""sample-group""#), "maxActiveSagas": ("7", "7"),
        "createTopics": ("false", "false"), "retention": ("99", "99"), "purgeInterval": ("30", "30"), "commandSentEvents": ("true", "true"),
        "maxInputBytes": ("1000", "1000"), "maxMessageBytes": ("2000", "2000"), "shutdownDrainTimeout": ("3", "3"),
        "maxTimerDeferral": ("4", "4"), "progressHistory": ("0", "0"), "heartbeatInterval": ("7", "7"),
        "participantGroups": ("billing,stock", #"["billing", "stock"]"#), "http": ("127.0.0.1:1", #""127.0.0.1:1""#), "opsHttp": ("127.0.0.1:2", #""127.0.0.1:2""#),
        "otelEndpoint": ("http://127.0.0.1:4318", #""http://127.0.0.1:4318""#),
    ]

    @Test("every setting can be given as its flag and as its SAGA_ variable, and --help lists its flag")
    func everySettingHasAFlagAndAVariable() async throws {
        let keys = OrchestratorSettings.keys + SagaHTTPConfiguration.keys
        #expect(Set(keys.map(\.name)) == Set(Self.samples.keys), "a setting was added or removed: give it a sample here")
        func check(_ output: String, _ how: String) {
            let lines = Set(output.split(separator: "\n").map(String.init))
            for key in keys {
                let sample = Self.samples[key.name]?.printed ?? ""
                #expect(lines.contains("\(key.name): \(sample)"), "\(how): \(key.name) is not \(sample) in:\n\(output)")
            }
        }
        let environment = Dictionary(uniqueKeysWithValues: keys.map { ($0.environmentName, Self.samples[$0.name]?.given ?? "") })
        let byVariable = try await run(["--print-config"], environment: environment)
        #expect(byVariable.status == 0, "\(byVariable.error)")
        check(byVariable.output, "by variable")

        let flags = keys.flatMap { [$0.flag, Self.samples[$0.name]?.given ?? ""] }
        let byFlag = try await run(flags + ["--print-config"])
        #expect(byFlag.status == 0, "\(byFlag.error)")
        check(byFlag.output, "by flag")

        let help = try await run(["--help"])
        for key in keys { #expect(help.output.contains(key.flag), "--help does not list \(key.flag)") }
    }

    @Test("an unknown SAGA_ variable, a bad value and an unknown file key are errors that name them")
    func refusesUnknownSettings() async throws {
        let base = ["--definitions", "/nonexistent", "--print-config"]
        let unknown = try await run(base, environment: ["SAGA_PARTITION": "8"])
        #expect(unknown.status == 64)
        #expect(unknown.error.contains("unknown environment variable SAGA_PARTITION:"), "\(unknown.error)")
        #expect(unknown.error.contains("SAGA_PARTITIONS"), "the message lists the known ones: \(unknown.error)")

        let bad = try await run(base, environment: ["SAGA_PARTITIONS": "many"])
        #expect(bad.status == 64)
        #expect(bad.error.contains("SAGA_PARTITIONS must be a positive number, got 'many'"), "\(bad.error)")

        let empty = try await run(base, environment: ["SAGA_KAFKA_": "x"])
        #expect(empty.status == 64)
        #expect(empty.error.contains("SAGA_KAFKA_ names no librdkafka property"), "\(empty.error)")

        let address = try await run(base, environment: ["SAGA_OPS_HTTP": "9090"])
        #expect(address.status == 64)
        #expect(address.error.contains("SAGA_OPS_HTTP must be HOST:PORT or off, got '9090'"), "\(address.error)")

        let store = try await run(base, environment: ["SAGA_STORE": "mysql://db/saga"])
        #expect(store.status == 64)
        #expect(store.error.contains("is not a store URL"), "\(store.error)")

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("orchestrator.yaml")
        try Data("bootstrapServers: kafka:9092\npartition: 8\n".utf8).write(to: config)
        let key = try await run(["--config", config.path] + base)
        #expect(key.status == 64)
        #expect(key.error.contains("unknown key 'partition'"), "\(key.error)")
    }

    @Test("--print-topics lists the orchestrator's topics and the definitions' participant topics with partitions and configs")
    func printsTopics() async throws {
        let result = try await run([
            "--definitions", ExampleParticipantCommandTests.definitions.path, "--topic-prefix", "acme.", "--partitions", "6", "--print-topics",
        ], environment: ["SAGA_RETENTION": "86400"])
        #expect(result.status == 0, "\(result.error)")
        let rows = result.output.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let table = Dictionary(uniqueKeysWithValues: rows.map { (String($0[0]), "\($0[1]) \($0[2])") })
        #expect(table == [
            "acme.commands": "6 cleanup.policy=delete,retention.ms=86400000",
            "acme.replies": "6 cleanup.policy=delete,retention.ms=86400000",
            "acme.progress": "6 cleanup.policy=delete,retention.ms=86400000",
            "acme.dead-letters": "6 cleanup.policy=delete,retention.ms=2592000000",
            "demo.users": "6 cleanup.policy=delete,retention.ms=86400000",
            "demo.payments": "6 cleanup.policy=delete,retention.ms=86400000",
            "demo.controllable": "6 cleanup.policy=delete,retention.ms=86400000",
        ], "\(result.output)")
    }
}
