import Foundation
import Testing

/// The Dockerfile's runtime stage, checked without a container engine: every shared library the
/// `saga` binary needs comes from a package that stage installs or from its base image
/// (debian:bookworm-slim, the same Debian as this machine, so `dpkg -S` here answers for it).
@Suite("Dockerfile", .timeLimit(.minutes(2)))
struct DockerfileTests {
    /// The Dockerfile as stages: each `FROM` line's image and the stage's instructions, with
    /// continuation lines joined.
    struct Stage {
        var image: String
        var instructions: [String]

        /// The packages its `apt-get install` lines name.
        var installedPackages: Set<String> {
            var packages: Set<String> = []
            for instruction in instructions where instruction.hasPrefix("RUN ") {
                for command in instruction.components(separatedBy: "&&") {
                    let words = command.split(whereSeparator: \.isWhitespace).map(String.init)
                    guard let install = words.firstIndex(of: "install"), install > 0, words[install - 1] == "apt-get" else { continue }
                    packages.formUnion(words[(install + 1)...].filter { !$0.hasPrefix("-") })
                }
            }
            return packages
        }
    }

    static func stages() throws -> [Stage] {
        var lines: [String] = []
        var current = ""
        for line in try Deploy.text("Dockerfile").split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") && current.isEmpty { continue }
            if trimmed.hasSuffix("\\") {
                current += trimmed.dropLast() + " "
            } else {
                current += trimmed
                if !current.isEmpty { lines.append(current) }
                current = ""
            }
        }
        var stages: [Stage] = []
        for line in lines {
            if line.hasPrefix("FROM ") {
                stages.append(Stage(image: String(line.split(separator: " ")[1]), instructions: []))
            } else if !stages.isEmpty {
                stages[stages.count - 1].instructions.append(line)
            }
        }
        return stages
    }

    /// The packages in debian:bookworm-slim: Debian's minimal base (every Essential package, every
    /// package of priority required, such as apt) and everything they depend on, as installed here.
    static func baseImagePackages() async throws -> Set<String> {
        let query = try await Deploy.run("dpkg-query", ["-W", "-f", "${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\n"])
        try #require(query.status == 0, "\(query.error)")
        var depends: [String: [String]] = [:]
        var roots: [String] = []
        for line in query.output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { continue }
            depends[fields[0]] = fields[3].split(whereSeparator: { $0 == "," || $0 == "|" }).compactMap {
                $0.split(separator: " ").first.map { String($0.split(separator: ":")[0]) }
            }
            if fields[1] == "yes" || fields[2] == "required" { roots.append(fields[0]) }
        }
        var base: Set<String> = []
        while let package = roots.popLast() {
            guard depends[package] != nil, base.insert(package).inserted else { continue }
            roots += depends[package] ?? []
        }
        return base
    }

    /// The package that owns `path` (trying the merged-/usr twin too), or `nil`.
    static func owner(of path: String) async throws -> String? {
        var candidates = [path, URL(fileURLWithPath: path).resolvingSymlinksInPath().path]
        for candidate in candidates where candidate.hasPrefix("/usr/lib/") { candidates.append(String(candidate.dropFirst(4))) }
        for candidate in candidates where candidate.hasPrefix("/lib/") { candidates.append("/usr" + candidate) }
        for candidate in candidates {
            let result = try await Deploy.run("dpkg", ["-S", candidate])
            if result.status == 0, let line = result.output.split(separator: "\n").first, let colon = line.firstIndex(of: ":") {
                return String(line[..<colon])
            }
        }
        return nil
    }

    @Test("build in swift:6.3-bookworm, run in debian:bookworm-slim as a non-root user with saga as the entrypoint and a health check")
    func shape() throws {
        let stages = try Self.stages()
        try #require(stages.count == 2, "\(stages.map(\.image))")
        #expect(stages[0].image == "swift:6.3-bookworm")
        #expect(stages[1].image == "debian:bookworm-slim")
        let runtime = stages[1].instructions
        let user = try #require(runtime.last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && user != "USER 0" && !user.hasPrefix("USER 0:"), "\(user)")
        #expect(runtime.contains(#"ENTRYPOINT ["saga"]"#))
        let health = try #require(runtime.first { $0.hasPrefix("HEALTHCHECK ") })
        #expect(health.contains("/dev/tcp/127.0.0.1/9090") && health.contains("GET /health"), "\(health)")
        #expect(runtime.contains { $0.contains("SAGA_OPS_HTTP=0.0.0.0:9090") }, "the health check's port is the ops listener's")
        let ignore = try Deploy.text(".dockerignore")
        #expect(ignore.contains(".build") && ignore.contains(".git"))
    }

    @Test("every library the saga binary needs is installed by the runtime stage or in its base image")
    func runtimeLibraries() async throws {
        let stages = try Self.stages()
        try #require(stages.count == 2)
        let installed = stages[1].installedPackages
        #expect(installed.contains("librdkafka1") && installed.contains("libsqlite3-0"), "\(installed)")
        let base = try await Self.baseImagePackages()
        #expect(base.contains("libc6") && base.contains("apt"), "the base image set is implausible: \(base.count) packages")

        // What this build of saga needs: NEEDED entries (readelf -d), located by ldd.
        let binary = Products.saga.path
        let elf = try await Deploy.run("readelf", ["-d", binary])
        try #require(elf.status == 0, "\(elf.error)")
        let needed = elf.output.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        try #require(needed.contains("librdkafka.so.1"), "\(needed)")
        let ldd = try await Deploy.run("ldd", [binary])
        var paths: [String: String] = [:]
        for line in ldd.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 3, parts[1] == "=>" {
                paths[String(parts[0].trimmingCharacters(in: .whitespaces))] = String(parts[2])
            } else if let path = parts.first?.trimmingCharacters(in: .whitespaces), path.hasPrefix("/") {
                // The dynamic loader is listed by its path alone.
                paths[URL(fileURLWithPath: path).lastPathComponent] = path
            }
        }

        // The image links the Swift runtime in (--static-swift-stdlib): the Swift libraries a debug
        // build loads from the toolchain are not needed there, but what the static runtime links
        // against (static-stdlib-args.lnk) is.
        var required: [(library: String, path: String)] = []
        var swiftRuntime: [String] = []
        var toolchainLibraries: String?
        for library in needed {
            let path = try #require(paths[library], "ldd does not locate \(library)")
            if path.contains("/lib/swift/linux/") {
                swiftRuntime.append(library)
                toolchainLibraries = URL(fileURLWithPath: path).deletingLastPathComponent().path
            } else {
                required.append((library, path))
            }
        }
        if let toolchainLibraries {
            #expect(stages[0].instructions.contains { $0.contains("swift build") && $0.contains("--static-swift-stdlib") },
                     "this binary loads \(swiftRuntime) from the toolchain: the image must link them in with --static-swift-stdlib")
            let swiftStatic = URL(fileURLWithPath: toolchainLibraries).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("swift_static/linux")
            let arguments = try String(contentsOf: swiftStatic.appendingPathComponent("static-stdlib-args.lnk"), encoding: .utf8)
            let cache = try await Deploy.run("ldconfig", ["-p"])
            for flag in arguments.split(whereSeparator: \.isWhitespace) where flag.hasPrefix("-l") {
                let name = "lib" + flag.dropFirst(2)
                // Swift's own static archives are in the binary itself.
                if FileManager.default.fileExists(atPath: swiftStatic.appendingPathComponent("\(name).a").path) { continue }
                let entry = cache.output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("\(name).so.") }
                // The cache can be rewritten under us (a package installed beside the test): look
                // in the library folders too.
                let path = try #require(entry?.components(separatedBy: " => ").last ?? Self.librarySearch(name), "neither ldconfig nor the library folders know \(name) (\(flag))")
                required.append((String(flag), path))
            }
        }

        var missing: [String] = []
        for (library, path) in required {
            guard let package = try await Self.owner(of: path) else {
                missing.append("\(library) (\(path)) belongs to no Debian package")
                continue
            }
            if !installed.contains(package) && !base.contains(package) {
                missing.append("\(library) comes from \(package), which the runtime stage does not install")
            }
        }
        #expect(missing.isEmpty, "\(missing)")
    }

    /// `lib/…/NAME.so.N` in the system's library folders, for when the loader cache does not say.
    static func librarySearch(_ name: String) -> String? {
        for folder in ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            if let file = files.filter({ $0.hasPrefix("\(name).so.") }).sorted().first { return "\(folder)/\(file)" }
        }
        return nil
    }
}
