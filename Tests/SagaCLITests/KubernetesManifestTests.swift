import Foundation
import Testing
import Yams

/// deploy/kubernetes, built with `kubectl kustomize` (Debian's kubernetes-client) and read back:
/// the properties each overlay promises, probes on real routes and the `--ops-http` port, and
/// every `SAGA_*` variable and flag accepted by the binary.
@Suite("deploy/kubernetes", .timeLimit(.minutes(3)))
struct KubernetesManifestTests {
    /// The orchestrator's graceful shutdown at its longest (Orchestrator.swift): 30 s to publish
    /// the outbox, 10 s to flush the producer. Pods get more before SIGKILL.
    static let gracefulShutdownSeconds = 40

    /// The overlay built: every object, by kind.
    struct Build {
        var objects: [[String: Any]]

        func all(_ kind: String) -> [[String: Any]] { objects.filter { $0["kind"] as? String == kind } }
        func one(_ kind: String) throws -> [String: Any] {
            let found = all(kind)
            try #require(found.count == 1, "\(found.count) objects of kind \(kind)")
            return found[0]
        }
    }

    private func build(_ overlay: String) async throws -> Build {
        let result = try await Deploy.run("kubectl", ["kustomize", Deploy.root.appendingPathComponent("deploy/kubernetes/overlays/\(overlay)").path])
        try #require(result.status == 0, "kubectl kustomize (Debian's kubernetes-client; scripts/setup installs it) failed on \(overlay): \(result.error)")
        let objects = try Yams.load_all(yaml: result.output).compactMap { $0 as? [String: Any] }
        return Build(objects: objects)
    }

    /// The pod template's spec and its one container.
    private func pod(_ workload: [String: Any]) throws -> (metadata: [String: Any], spec: [String: Any], container: [String: Any]) {
        let template = try #require((workload["spec"] as? [String: Any])?["template"] as? [String: Any])
        let spec = try #require(template["spec"] as? [String: Any])
        let containers = try #require(spec["containers"] as? [[String: Any]])
        try #require(containers.count == 1)
        return (template["metadata"] as? [String: Any] ?? [:], spec, containers[0])
    }

    /// What every overlay promises of its workload; returns the container's environment (secret
    /// references as `secret:NAME/KEY`) for the overlay's own checks.
    @discardableResult
    private func checkCommon(_ build: Build, _ workload: [String: Any], overlay: String) async throws -> [String: String] {
        let (metadata, spec, container) = try pod(workload)
        let labels = metadata["labels"] as? [String: String] ?? [:]

        // Probes on the routes the ops listener serves, at the port `--ops-http` binds.
        let arguments = try #require(container["args"] as? [String])
        let opsFlag = try #require(arguments.firstIndex(of: "--ops-http").map { arguments[$0 + 1] }, "\(overlay): no --ops-http")
        let opsPort = try #require(Int(opsFlag.split(separator: ":").last ?? ""))
        #expect(!opsFlag.hasPrefix("127.") && !opsFlag.hasPrefix("localhost"), "\(overlay): the kubelet cannot reach a loopback listener")
        let ports = container["ports"] as? [[String: Any]] ?? []
        func resolve(_ port: Any?) -> Int? {
            if let number = port as? Int { return number }
            guard let name = port as? String else { return nil }
            return ports.first { $0["name"] as? String == name }?["containerPort"] as? Int
        }
        for (probe, path) in [("livenessProbe", "/health"), ("readinessProbe", "/ready")] {
            let get = try #require((container[probe] as? [String: Any])?["httpGet"] as? [String: Any], "\(overlay): no \(probe)")
            #expect(get["path"] as? String == path, "\(overlay): \(probe) \(get)")
            #expect(resolve(get["port"]) == opsPort, "\(overlay): \(probe) port \(String(describing: get["port"])) is not --ops-http's \(opsPort)")
        }
        // Every Service that selects these pods targets the ops port.
        for service in build.all("Service") {
            let serviceSpec = service["spec"] as? [String: Any] ?? [:]
            let selector = serviceSpec["selector"] as? [String: String] ?? [:]
            #expect(!selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }, "\(overlay): Service \(service["metadata"] ?? "") selects \(selector), pods have \(labels)")
            for port in serviceSpec["ports"] as? [[String: Any]] ?? [] {
                #expect(resolve(port["targetPort"]) == opsPort, "\(overlay): Service port \(port)")
            }
        }

        let grace = try #require(spec["terminationGracePeriodSeconds"] as? Int)
        #expect(grace > Self.gracefulShutdownSeconds, "\(overlay): \(grace) s")
        let podSecurity = spec["securityContext"] as? [String: Any] ?? [:]
        let containerSecurity = container["securityContext"] as? [String: Any] ?? [:]
        #expect(podSecurity["runAsNonRoot"] as? Bool == true || containerSecurity["runAsNonRoot"] as? Bool == true, "\(overlay)")
        #expect(containerSecurity["readOnlyRootFilesystem"] as? Bool == true, "\(overlay)")
        #expect(containerSecurity["allowPrivilegeEscalation"] as? Bool == false, "\(overlay)")
        let resources = container["resources"] as? [String: Any] ?? [:]
        #expect(resources["requests"] != nil && resources["limits"] != nil, "\(overlay): \(resources)")

        // The definitions come from a ConfigMap the overlay builds, mounted where the config says.
        let volumes = spec["volumes"] as? [[String: Any]] ?? []
        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        var files: [String: String] = [:]  // container path -> host file, for --print-config
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("saga-k8s-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for mount in mounts {
            guard let name = mount["name"] as? String, let path = mount["mountPath"] as? String,
                  let volume = volumes.first(where: { $0["name"] as? String == name }),
                  let mapName = (volume["configMap"] as? [String: Any])?["name"] as? String else { continue }
            let map = try #require(build.all("ConfigMap").first { ($0["metadata"] as? [String: Any])?["name"] as? String == mapName },
                                   "\(overlay): volume \(name) names ConfigMap \(mapName), which the build does not have")
            let local = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
            for (file, content) in map["data"] as? [String: String] ?? [:] {
                try Data(content.utf8).write(to: local.appendingPathComponent(file))
            }
            files[path] = local.path
        }
        #expect(files["/etc/saga/definitions"] != nil, "\(overlay): no definitions ConfigMap at /etc/saga/definitions")

        // Every variable and flag accepted; the definitions in the ConfigMap load.
        var environment: [String: String] = [:]
        for variable in container["env"] as? [[String: Any]] ?? [] {
            let name = try #require(variable["name"] as? String)
            if let value = variable["value"] as? String {
                environment[name] = value
            } else if let secret = (variable["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any] {
                environment[name] = "secret:\(secret["name"] ?? "")/\(secret["key"] ?? "")"
            }
        }
        var runnable = environment
        // What a Secret holds is not in the manifests: a URL of the kind it must hold.
        for (name, value) in environment where value.hasPrefix("secret:") {
            runnable[name] = name == "SAGA_STORE" ? "postgres://saga:from-secret@postgres:5432/saga" : "from-secret"
        }
        let mapped = arguments.map { Deploy.mapPaths($0, files) }
        let printed = try await Deploy.printConfig(mapped, environment: runnable)
        #expect(printed.status == 0, "\(overlay): saga \(mapped.joined(separator: " ")) refused its settings: \(printed.error)")
        #expect(printed.output.contains("opsHttp: \"\(opsFlag)\""), "\(overlay): \(printed.output)")
        // --print-topics loads the definitions, with the config's paths mapped to the ConfigMaps' files.
        let config = try #require(arguments.firstIndex(of: "--config").map { arguments[$0 + 1] })
        let configDirectory = (config as NSString).deletingLastPathComponent
        let localConfig = try #require(files[configDirectory], "\(overlay): --config \(config) is not in a ConfigMap")
        let configFile = URL(fileURLWithPath: localConfig).appendingPathComponent((config as NSString).lastPathComponent)
        try Data(Deploy.mapPaths(try String(contentsOf: configFile, encoding: .utf8), files).utf8).write(to: configFile)
        let topics = try ChildProcess(Products.saga, mapped + ["--print-topics"])
        #expect(try await topics.waitForExit(timeout: .seconds(30)) == 0, "\(overlay): \(topics.errorOutput)")
        #expect(topics.output.contains("demo.users"), "\(overlay): \(topics.output)")
        return environment
    }

    @Test("dev: one replica, a StatefulSet with SQLite on a PersistentVolumeClaim")
    func dev() async throws {
        let build = try await build("dev")
        #expect(build.all("Deployment").isEmpty)
        let set = try build.one("StatefulSet")
        let spec = try #require(set["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 1)
        let claims = spec["volumeClaimTemplates"] as? [[String: Any]] ?? []
        let claim = try #require((claims.first?["metadata"] as? [String: Any])?["name"] as? String)
        let environment = try await checkCommon(build, set, overlay: "dev")
        let store = try #require(environment["SAGA_STORE"])
        #expect(store.hasPrefix("sqlite:"), "\(store)")
        let (_, _, container) = try pod(set)
        let mount = (container["volumeMounts"] as? [[String: Any]] ?? []).first { $0["name"] as? String == claim }
        let mountPath = try #require(mount?["mountPath"] as? String, "the claim \(claim) is not mounted")
        #expect(store.dropFirst("sqlite:".count).hasPrefix(mountPath + "/"), "the SQLite file \(store) is not on the claim at \(mountPath)")
    }

    @Test("production: a Deployment of 3 on PostgreSQL from a Secret, a PodDisruptionBudget, resources, probes, non-root, read-only root")
    func production() async throws {
        let build = try await build("production")
        #expect(build.all("StatefulSet").isEmpty)
        let deployment = try build.one("Deployment")
        #expect((deployment["spec"] as? [String: Any])?["replicas"] as? Int == 3)
        let environment = try await checkCommon(build, deployment, overlay: "production")
        #expect(environment["SAGA_STORE"]?.hasPrefix("secret:") == true, "the PostgreSQL URL comes from a Secret: \(environment)")

        let budget = try build.one("PodDisruptionBudget")
        let budgetSpec = try #require(budget["spec"] as? [String: Any])
        #expect(budgetSpec["maxUnavailable"] as? Int == 1 || (budgetSpec["minAvailable"] as? Int).map { $0 >= 1 && $0 < 3 } == true, "\(budgetSpec)")
        let selector = (budgetSpec["selector"] as? [String: Any])?["matchLabels"] as? [String: String] ?? [:]
        let labels = try pod(deployment).metadata["labels"] as? [String: String] ?? [:]
        #expect(!selector.isEmpty && selector.allSatisfy { labels[$0.key] == $0.value }, "the budget selects \(selector), pods have \(labels)")
    }

    @Test("the definitions in the base and in deploy/definitions are the repository's examples (they must not drift)")
    func definitionsMatchExamples() throws {
        for file in ["user-update.yaml", "controllable.yaml"] {
            for copy in ["deploy/kubernetes/base/definitions", "deploy/definitions"] {
                #expect(try Deploy.text("\(copy)/\(file)") == Deploy.text("examples/definitions/\(file)"), "\(copy)/\(file)")
            }
        }
    }
}
