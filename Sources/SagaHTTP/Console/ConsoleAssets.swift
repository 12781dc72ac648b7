import Foundation

/// The web console's files (`Resources/console`), read once when the server starts.
struct ConsoleAssets: Sendable {
    struct File: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    let files: [String: File]

    static let names = ["index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"]

    /// Loads the files from the package's resource bundle next to the executable (or, when the
    /// binary runs from the build folder of a checkout, from the sources); `nil` when they are
    /// not installed, so the console answers 503 instead of the process stopping.
    static func load() -> ConsoleAssets? {
        for directory in candidates {
            var files: [String: File] = [:]
            for (name, type) in names {
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { break }
                files[name] = File(bytes: Array(data), contentType: type)
            }
            if files.count == names.count { return ConsoleAssets(files: files) }
        }
        return nil
    }

    /// Where SwiftPM puts the target's resources (`<package>_<target>.resources` beside the
    /// executable), then the sources.
    private static var candidates: [URL] {
        let bundleName = "saga-orchestrator_SagaHTTP.resources"
        var urls: [URL] = []
        // The running executable's directory, however it was invoked (from PATH, by a symlink).
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
            urls.append(directory.appendingPathComponent(bundleName).appendingPathComponent("console"))
        }
        urls.append(Bundle.main.bundleURL.appendingPathComponent(bundleName).appendingPathComponent("console"))
        if let resources = Bundle.main.resourceURL {
            urls.append(resources.appendingPathComponent(bundleName).appendingPathComponent("console"))
        }
        urls.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Resources").appendingPathComponent("console"))
        return urls
    }
}
