import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, in place of Foundation's `Process`.
///
/// Foundation's `Process.run()` on Linux (swift-corelibs-foundation as shipped with Swift 6.3.1)
/// scans `/proc/self/fd` with a 256-byte copy of each directory entry and, now and then, reads past
/// the end of glibc's buffer: the whole process crashes (seen here in the test suite once it held
/// enough sockets). This type spawns directly, with the subset of `Process`'s interface the test
/// kits and benchmarks use: set the executable, arguments, environment and standard streams (a
/// `FileHandle` or a `Pipe`), then ``run()``.
///
/// The child gets default signal dispositions and an empty signal mask (whatever the parent
/// ignores or blocks, such as the signals a `ServiceGroup` handles), its standard streams, and no
/// other file descriptor of the parent's.
public final class SpawnedProcess: @unchecked Sendable {
    // @unchecked: the configuration is set before `run()` by one caller, as with `Process`; what
    // changes after (`state`) is behind a mutex.

    /// The program to run.
    public var executableURL: URL?
    /// Its arguments, without the program name.
    public var arguments: [String] = []
    /// Its whole environment; `nil` passes this process's own.
    public var environment: [String: String]?
    /// Standard input: a `FileHandle`, or a `Pipe` whose reading end the child gets; `nil`
    /// inherits this process's.
    public var standardInput: Any?
    /// Standard output: a `FileHandle`, or a `Pipe` whose writing end the child gets.
    public var standardOutput: Any?
    /// Standard error, as ``standardOutput``.
    public var standardError: Any?
    /// Called once, on a background thread, when the process has exited.
    public var terminationHandler: (@Sendable (SpawnedProcess) -> Void)?

    private struct State {
        var pid: pid_t = 0
        var running = false
        var status: Int32 = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The child's process id, once started.
    public var processIdentifier: Int32 { state.withLock { $0.pid } }
    /// Whether it was started and has not exited yet.
    public var isRunning: Bool { state.withLock { $0.running } }
    /// Its exit status, or the number of the signal that ended it.
    public var terminationStatus: Int32 { state.withLock { $0.status } }

    /// Starts the process.
    /// - Throws: `SpawnError` when the executable is missing or cannot be started.
    public func run() throws {
        guard let path = executableURL?.path else { throw SpawnError("no executable set") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [FileHandle] = []
        for (stream, target) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
            guard let stream else { continue }
            let handle: FileHandle
            if let pipe = stream as? Pipe {
                handle = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                childEnds.append(handle)
            } else if let file = stream as? FileHandle {
                handle = file
            } else {
                throw SpawnError("standard streams are a FileHandle or a Pipe, not \(type(of: stream))")
            }
            // FileHandle.nullDevice has no descriptor of its own: the child opens /dev/null.
            let result = handle === FileHandle.nullDevice || handle.fileDescriptor < 0
                ? posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
                : posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            guard result == 0 else { throw SpawnError("cannot set up standard stream \(target): \(String(cString: strerror(result)))") }
        }
        _ = Self.closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0)! } + [nil]
        let environment = self.environment ?? ProcessInfo.processInfo.environment
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)")! } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError("cannot start \(path): \(String(cString: strerror(result)))") }
        // The child has its own copies: close ours, so a reader sees the end when the child exits.
        for handle in childEnds { try? handle.close() }
        state.withLock {
            $0.pid = pid
            $0.running = true
        }
        let child = pid
        let reaper = Thread { [self] in reap(child) }
        reaper.name = "spawned-\(child)"
        reaper.start()
    }

    /// Sends SIGTERM.
    public func terminate() {
        let pid = processIdentifier
        if pid > 0 && isRunning { kill(pid, SIGTERM) }
    }

    /// Waits, without blocking a thread, until the process exited or `timeout` passed.
    /// - Returns: whether it exited.
    public func exits(within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.exited() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return !isRunning
    }

    /// Returns once the process exited, or at once when the task is cancelled.
    private func exited() async {
        let id = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state -> Bool in
                    guard state.running, !Task.isCancelled else { return false }
                    state.waiters[id] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Blocks the calling thread until the process exited.
    public func waitUntilExit() {
        guard isRunning else { return }
        exitedSignal.wait()
        exitedSignal.signal()
    }

    private let exitedSignal = DispatchSemaphore(value: 0)

    private func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out: the C macros are not imported.
        let signal = status & 0x7F
        let code = signal == 0 ? (status >> 8) & 0xFF : signal
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running = false
            state.status = code
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        exitedSignal.signal()
        for waiter in waiters { waiter.resume() }
        terminationHandler?(self)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not import; `nil` where it is missing (then only close-on-exec descriptors close).
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
    }()
}

/// A child process could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
