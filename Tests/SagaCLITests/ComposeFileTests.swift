import Foundation
import Testing
import Yams

/// docker-compose.yml, checked without a container engine: the Compose specification's schema,
/// pinned images, healthchecks and ordering, and every setting passed to `saga` accepted by it.
@Suite("docker-compose.yml", .timeLimit(.minutes(3)))
struct ComposeFileTests {
    /// The services, with YAML anchors and merge keys resolved.
    private func services() throws -> [String: [String: Any]] {
        let file = try #require(try Yams.load(yaml: Deploy.text("docker-compose.yml")) as? [String: Any])
        return try #require(file["services"] as? [String: [String: Any]])
    }

    /// `service`'s bind mounts, container path → host path in this tree.
    private func mounts(_ service: [String: Any]) -> [String: String] {
        var mounts: [String: String] = [:]
        for volume in service["volumes"] as? [String] ?? [] {
            let parts = volume.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix("./") else { continue }
            mounts[parts[1]] = Deploy.root.appendingPathComponent(String(parts[0].dropFirst(2))).path
        }
        return mounts
    }

    private func environment(_ service: [String: Any]) -> [String: String] {
        (service["environment"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
    }

    @Test("validates against the Compose specification's JSON schema (check-jsonschema)")
    func matchesSchema() async throws {
        let result = try await Deploy.run("python3", [
            "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", Deploy.root.appendingPathComponent("docker-compose.yml").path,
        ])
        #expect(result.status == 0, "check-jsonschema (pip install check-jsonschema; scripts/setup does): \(result.output) \(result.error)")
    }

    @Test("every image is pinned to a versioned tag; every long-running service has a healthcheck; depends_on waits for health")
    func pinnedAndOrdered() throws {
        let services = try services()
        #expect(services.count >= 12, "\(services.keys.sorted())")
        for (name, service) in services {
            let image = try #require(service["image"] as? String, "service \(name) has no image")
            let tag = image.split(separator: "/").last?.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init)
            #expect(tag != nil && tag != "latest" && tag!.contains(where: \.isNumber), "service \(name): image \(image) is not pinned to a version")
            let oneShot = (service["restart"] as? String) == "no"
            if !oneShot {
                let check = service["healthcheck"] as? [String: Any]
                #expect((check?["test"] as? [Any])?.isEmpty == false, "service \(name) has no healthcheck")
            }
            for (dependency, condition) in service["depends_on"] as? [String: [String: Any]] ?? [:] {
                let wanted = (services[dependency]?["restart"] as? String) == "no" ? "service_completed_successfully" : "service_healthy"
                #expect(condition["condition"] as? String == wanted, "service \(name) -> \(dependency): \(condition)")
            }
        }
        let kafka = try #require(services["kafka"])
        let kafkaEnvironment = environment(kafka)
        #expect(kafkaEnvironment["KAFKA_PROCESS_ROLES"] == "broker,controller", "KRaft, single node")
        #expect(kafkaEnvironment["KAFKA_ADVERTISED_LISTENERS"]?.contains("kafka:9092") == true)
        #expect(kafkaEnvironment["KAFKA_ADVERTISED_LISTENERS"]?.contains("localhost:9094") == true)
        #expect((kafka["image"] as? String)?.hasPrefix("apache/kafka:") == true)
        for name in ["prometheus", "grafana", "jaeger"] {
            #expect(services[name]?["profiles"] as? [String] == ["observability"], "\(name)")
        }
    }

    @Test("the orchestrators and the Swift participants run with settings `saga` accepts (--print-config)")
    func settingsAccepted() async throws {
        let services = try services()
        var groups: Set<String> = []
        var orchestrators = 0
        for (name, service) in services.sorted(by: { $0.key < $1.key }) where (service["image"] as? String)?.hasPrefix("saga:") == true {
            let command = try #require(service["command"] as? [String], "service \(name)")
            let mounts = mounts(service)
            let arguments = command.map { Deploy.mapPaths($0, mounts) }
            let result = try await Deploy.printConfig(arguments, environment: environment(service))
            #expect(result.status == 0, "service \(name): saga \(arguments.joined(separator: " ")) refused its settings: \(result.error)")
            let healthcheck = ((service["healthcheck"] as? [String: Any])?["test"] as? [String])?.joined(separator: " ") ?? ""
            if command.first == "orchestrator" {
                orchestrators += 1
                #expect(result.output.contains(#"opsHttp: "0.0.0.0:9090""#), "service \(name): \(result.output)")
                #expect(result.output.contains(#"http: "127.0.0.1:8080""#), "service \(name): the API stays on loopback")
                #expect(result.output.contains(#"store: "postgres://"#), "service \(name): \(result.output)")
                #expect(healthcheck.contains("/dev/tcp/127.0.0.1/9090") && healthcheck.contains("GET /health"), "service \(name): \(healthcheck)")
                let group = result.output.split(separator: "\n").first { $0.hasPrefix("groupId:") }
                groups.insert(String(group ?? ""))
            } else {
                let ready = try #require(command.firstIndex(of: "--ready-file").map { command[$0 + 1] }, "service \(name)")
                #expect(healthcheck.contains(ready), "service \(name): the healthcheck looks at \(healthcheck), the participant writes \(ready)")
            }
        }
        #expect(orchestrators == 2)
        #expect(groups.count == 1, "both orchestrators in one consumer group: \(groups)")
    }

    @Test("the Python participant's flags are ones examples/python/participant.py defines, and its topic is a definition's")
    func pythonParticipant() throws {
        let service = try #require(try services()["python-participant"])
        let command = try #require(service["command"] as? [String])
        let source = try Deploy.text("examples/python/participant.py")
        for flag in command where flag.hasPrefix("--") {
            #expect(source.contains("add_argument(\"\(flag)\""), "participant.py has no \(flag)")
        }
        let topic = try #require(command.firstIndex(of: "--topic").map { command[$0 + 1] })
        #expect(try Deploy.text("deploy/definitions/ticket.yaml").contains("topic: \(topic)\n"), "no definition sends commands to \(topic)")
    }

    @Test("the topics the one-shot service creates are exactly what `saga orchestrator --print-topics` asks for")
    func topicsMatch() async throws {
        let services = try services()
        let orchestrator = try #require(services["orchestrator-1"])
        let orchestratorMounts = mounts(orchestrator)
        // The configuration file with its definitions paths pointing into this tree.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-compose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("orchestrator.yaml")
        try Data(Deploy.mapPaths(try Deploy.text("deploy/config/orchestrator.yaml"), orchestratorMounts).utf8).write(to: config)
        let child = try ChildProcess(Products.saga, ["orchestrator", "--config", config.path, "--print-topics"])
        #expect(try await child.waitForExit(timeout: .seconds(30)) == 0, "\(child.errorOutput)")
        func rows(_ text: String) -> [String] {
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
        }
        let wanted = rows(child.output)
        #expect(wanted.contains { $0.hasPrefix("demo.reservations ") }, "the Python participant's topic: \(wanted)")
        #expect(rows(try Deploy.text("deploy/kafka/topics.txt")) == wanted, "regenerate deploy/kafka/topics.txt:\n\(child.output)")
        // The script (POSIX sh, as in the apache/kafka image) asks kafka-topics.sh for each of them.
        let fake = directory.appendingPathComponent("kafka-topics.sh")
        try Data("#!/bin/sh\necho \"$*\" >> '\(directory.path)/calls'\n".utf8).write(to: fake)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let script = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), [Deploy.root.appendingPathComponent("deploy/kafka/create-topics.sh").path],
                                      environment: ["KAFKA_TOPICS": fake.path, "BOOTSTRAP_SERVERS": "kafka:9092"])
        #expect(try await script.waitForExit(timeout: .seconds(30)) == 0, "\(script.errorOutput)")
        let calls = try String(contentsOf: directory.appendingPathComponent("calls"), encoding: .utf8).split(separator: "\n")
        #expect(calls.count == wanted.count, "\(calls)")
        for (call, row) in zip(calls, wanted) {
            let fields = row.split(separator: " ")
            let configs = fields[2].split(separator: ",").map { "--config \($0)" }.joined(separator: " ")
            #expect(call == "--bootstrap-server kafka:9092 --create --if-not-exists --topic \(fields[0]) --partitions \(fields[1]) --replication-factor 1 \(configs)", "\(call)")
        }
        let oneShot = try #require(services["kafka-topics"])
        #expect((oneShot["entrypoint"] as? [String])?.contains("/deploy/kafka/create-topics.sh") == true)
        #expect(mounts(oneShot)["/deploy/kafka"] == Deploy.root.appendingPathComponent("deploy/kafka").path)
    }

    @Test("Prometheus scrapes both orchestrators' ops port; Grafana's provisioned dashboard is valid JSON with the panels")
    func observability() throws {
        let prometheus = try #require(try Yams.load(yaml: Deploy.text("deploy/prometheus/prometheus.yml")) as? [String: Any])
        let jobs = try #require(prometheus["scrape_configs"] as? [[String: Any]])
        let targets = jobs.flatMap { ($0["static_configs"] as? [[String: Any]] ?? []).flatMap { $0["targets"] as? [String] ?? [] } }
        #expect(Set(targets) == ["orchestrator-1:9090", "orchestrator-2:9090"])

        let data = try Data(contentsOf: Deploy.root.appendingPathComponent("deploy/grafana/dashboards/saga-orchestrator.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }.joined(separator: "\n")
        for metric in ["saga_sagas_finished_total", "saga_sagas_active", "saga_step_reply_duration_seconds", "saga_outbox_backlog", "saga_consumer_lag", "saga_dead_letters_total"] {
            #expect(expressions.contains(metric), "no panel on \(metric)")
        }
        let provider = try #require(try Yams.load(yaml: Deploy.text("deploy/grafana/provisioning/dashboards/saga.yml")) as? [String: Any])
        let path = ((provider["providers"] as? [[String: Any]])?.first?["options"] as? [String: Any])?["path"] as? String
        let grafana = try #require(try services()["grafana"])
        #expect(mounts(grafana)[try #require(path)] == Deploy.root.appendingPathComponent("deploy/grafana/dashboards").path)
    }
}
