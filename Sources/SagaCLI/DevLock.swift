import Foundation

/// `saga dev`'s hold on its folder: an exclusive `flock` on `<folder>/lock`, which holds the
/// holder's pid. The kernel drops the lock when the process ends, however it ends.
final class DevLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock on `directory`.
    /// - Throws: ``OperatorFailure`` naming the holder when another process has it.
    init(directory: String) throws {
        let path = "\(directory)/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OperatorFailure("cannot open \(path): \(String(cString: strerror(errno)).lowercased())")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw OperatorFailure("another saga dev\(holder.isEmpty ? "" : " (pid \(holder))") is running in \(directory): stop it first, or give this one another folder with --directory DIR")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        self.descriptor = descriptor
    }

    /// Lets go of the lock (the process ending does too).
    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
