import ArgumentParser
import Foundation

/// The file `saga dev` writes in its folder for the client commands run beside it: the broker's
/// bootstrap address, the store URL, the topic prefix and the definitions, in the format of
/// `saga orchestrator --config`.
///
/// A client command uses it when it is given no `--config`: the one named by `SAGA_DEV_DIR`,
/// else `.saga-dev/client.yaml` in the current directory. The environment and the flags still
/// win over what it says.
enum DevClientFile {
    /// The file's name inside the dev folder.
    static let name = "client.yaml"

    /// The dev folder used when `SAGA_DEV_DIR` is not set, relative to the current directory.
    static let defaultDirectory = ".saga-dev"

    /// The client file in force, or `nil` when there is none.
    /// - Throws: `ValidationError` when `SAGA_DEV_DIR` names a folder with no client file.
    static func path(environment: [String: String]) throws -> String? {
        if let directory = environment["SAGA_DEV_DIR"], !directory.isEmpty {
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("SAGA_DEV_DIR is '\(directory)' but there is no \(name) in it: start saga dev there (saga dev --directory \(directory)), or unset SAGA_DEV_DIR")
            }
            return path
        }
        let path = "\(defaultDirectory)/\(name)"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The settings the client file in force gives, or `nil` when there is none.
    static func settings(environment: [String: String]) throws -> ServiceSettings? {
        guard let path = try path(environment: environment) else { return nil }
        return try ServiceSettings.resolve(file: path, environment: [:])
    }

    /// Writes the client file into `directory` (atomically).
    static func write(directory: String, bootstrap: String, store: String, topicPrefix: String, definitions: String, pid: Int32) throws {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let text = """
            # Written by saga dev (pid \(pid)). The saga commands run in this folder's parent, or
            # with SAGA_DEV_DIR=\(directory), use it when given no --config; it is also a valid
            # --config file for them.
            bootstrapServers: \(quoted(bootstrap))
            topicPrefix: \(quoted(topicPrefix))
            store: \(quoted(store))
            definitions: [\(quoted(definitions))]

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(name), options: .atomic)
    }
}
