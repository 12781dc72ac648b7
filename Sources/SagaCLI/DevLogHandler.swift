import Foundation
import Logging
import Synchronization

/// `saga dev`'s log: every line to a file in the dev folder, so the screen keeps the progress
/// lines; errors are shown on standard error as well.
struct DevLogHandler: LogHandler {
    /// The open log file, shared by every logger made from it.
    final class File: Sendable {
        /// Where it is.
        let path: String
        private let handle: Mutex<FileHandle>

        /// Opens `path` for appending, creating it when missing.
        init(path: String) throws {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw DefinitionFiles.Problem(path: path, reason: "cannot be opened for writing")
            }
            handle.seekToEndOfFile()
            self.path = path
            self.handle = Mutex(handle)
        }

        func write(_ line: String) {
            handle.withLock { $0.write(Data((line + "\n").utf8)) }
        }
    }

    let label: String
    let file: File
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let line = "\(isoTime(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))) \(event.level) \(label): \(event.message)\(fields)"
        file.write(line)
        if event.level >= .error { writeError(line) }
    }
}
