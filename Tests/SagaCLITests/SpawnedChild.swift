import Foundation
import Synchronization

/// A child process started with `posix_spawn`, for the tests' child processes.
///
/// Not Foundation's `Process`: on Linux its `run()` (swift-corelibs-foundation of Swift 6.3.1)
/// lists `/proc/self/fd` copying 256 bytes of every directory entry, which reads past the end of
/// glibc's buffer now and then and crashed the whole test runner with SIGSEGV (fixed upstream in
/// swiftlang/swift-corelibs-foundation#5472).
final class SpawnedChild: Sendable {
    /// The child's pid.
    let processIdentifier: Int32
    /// The raw `waitpid` status, once reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (a full path) with `arguments` and exactly `environment`; the child's
    /// standard input, output and error are the given descriptors, and it inherits no other one.
    /// - Throws: `POSIXError` when the process cannot be started.
    init(executable: String, arguments: [String], environment: [String: String], stdin: Int32, stdout: Int32, stderr: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Other descriptors (sockets, other children's pipes) stay with this process: a child
        // holding another child's pipe would keep that pipe from ever ending.
        _ = Self.addCloseFrom?(&actions, 3)

        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
        let argv = cStrings([executable] + arguments)
        let envp = cStrings(environment.map { "\($0.key)=\($0.value)" })
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        processIdentifier = pid
    }

    deinit {
        // Reap it if it ended unobserved; a running child is the owner's to kill.
        if reaped.withLock({ $0 }) == nil { _ = isRunning }
    }

    /// Whether it is still running (a stopped process is running); reaps it when it ended.
    var isRunning: Bool {
        reaped.withLock { reaped in
            guard reaped == nil else { return false }
            var status: Int32 = 0
            let result = waitpid(processIdentifier, &status, WNOHANG)
            if result == processIdentifier || (result < 0 && errno == ECHILD) {
                reaped = result == processIdentifier ? status : 0
                return false
            }
            return true
        }
    }

    /// Its exit status, or the number of the signal that ended it (as Foundation's `Process`
    /// says); only meaningful once ``isRunning`` is `false`.
    var terminationStatus: Int32 {
        let status = reaped.withLock { $0 } ?? 0
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    /// Sends SIGTERM.
    func terminate() { kill(processIdentifier, SIGTERM) }

    /// Waits, without blocking a thread, until the process exited or `timeout` passed.
    /// - Returns: whether it exited.
    func exits(within timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return !isRunning
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not import; `nil` where it does not exist.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }
}
