import Foundation
import Synchronization

/// An operator's open console, as load: `GET /v1/sagas?limit=25` (the console's list) a number
/// of times a second on the orchestrator's HTTP API, each on a fresh loopback connection.
struct BenchListPoller: Sendable {
    let port: Int
    let perSecond: Int

    /// How the polls went.
    struct Result: Sendable {
        var answered = 0
        var failed = 0
        var p50Milliseconds = 0.0
        var maxMilliseconds = 0.0
    }

    /// Polls until cancelled.
    ///
    /// The requests block (connect, send, a `recv` until the server closes), so they run on a
    /// thread of their own: on the bench's cooperative pool (two threads on two cores) each poll
    /// would hold up the participants and the starts beside it for as long as the orchestrator
    /// takes to answer, and the bench would measure itself, not the orchestrator.
    func run() async -> Result {
        let stop = StopFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
                let thread = Thread { [self] in continuation.resume(returning: poll(until: stop)) }
                thread.name = "bench-list-poller"
                thread.start()
            }
        } onCancel: {
            stop.set()
        }
    }

    /// Set once, when the poller is to stop.
    private final class StopFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .acquiring) }
        func set() { flag.store(true, ordering: .releasing) }
    }

    /// The polling loop, on the poller's own thread, until `stop` is set.
    private func poll(until stop: StopFlag) -> Result {
        var result = Result()
        var times: [Double] = []
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(max(1, perSecond)))
        let clock = ContinuousClock()
        var next = clock.now
        while !stop.isSet {
            let started = clock.now
            if Self.get(port: port, path: "/v1/sagas?limit=25") {
                result.answered += 1
                times.append((started.duration(to: clock.now)).inSeconds * 1000)
            } else {
                result.failed += 1
            }
            next += interval
            let wait = clock.now.duration(to: next)
            if wait > .zero { usleep(UInt32(wait.inSeconds * 1_000_000)) } else { next = clock.now }
        }
        times.sort()
        if !times.isEmpty {
            result.p50Milliseconds = times[times.count / 2]
            result.maxMilliseconds = times[times.count - 1]
        }
        return result
    }

    /// One GET; whether it was answered 200 and its body read to the end.
    private static func get(port: Int, path: String) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return false }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return response.starts(with: Array("HTTP/1.1 200".utf8))
    }

    /// A free TCP port on 127.0.0.1 (bound, read and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("no socket for a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw BenchError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
