import Foundation

/// Finds and reads saga definition files, with errors a person can act on (never a Foundation
/// error code).
enum DefinitionFiles {
    /// A file or directory that cannot be used, said plainly: `'x' is a directory`, ...
    struct Problem: Error, CustomStringConvertible {
        /// The path it is about.
        let path: String
        /// What is wrong with it, starting lower-case: `no such file or directory`.
        let reason: String

        var description: String { "'\(path)': \(reason)" }
    }

    /// The `.yaml` and `.yml` files of `paths`: a file as given, a directory's files (one level
    /// deep, sorted by name).
    /// - Returns: the files, and a problem for each path that does not exist, cannot be listed,
    ///   or is a directory with no definition file in it.
    static func expand(_ paths: [String]) -> (files: [String], problems: [Problem]) {
        var files: [String] = []
        var problems: [Problem] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(Problem(path: path, reason: "no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                problems.append(Problem(path: path, reason: reason(errno: access(path, R_OK | X_OK) == 0 ? EIO : errno)))
                continue
            }
            let found = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            if found.isEmpty {
                problems.append(Problem(path: path, reason: "is a directory with no .yaml or .yml file in it"))
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            files += found.map { "\(base)/\($0)" }
        }
        return (files, problems)
    }

    /// The text of `path`.
    /// - Throws: a ``Problem``: no such file, is a directory, permission denied, not UTF-8, ...
    static func read(_ path: String) throws(Problem) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Problem(path: path, reason: reason(errno: errno)) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            throw Problem(path: path, reason: "is a directory (give a file, or the directory to validate every .yaml and .yml file in it)")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Problem(path: path, reason: reason(errno: errno))
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem(path: path, reason: "is not UTF-8 text")
        }
        return text
    }

    /// A plain phrase for an `errno` value.
    private static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no such file or directory"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory"
        case ENOTDIR: "a part of the path is not a directory"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
