import Foundation
import Synchronization

/// A fixed loopback port for `saga dev`'s embedded broker, whose own port librdkafka's mock
/// cluster picks at random: connections to `127.0.0.1:<port>` are passed through to the broker.
///
/// A Kafka client only bootstraps here: the broker's metadata then sends it to the broker's own
/// address. So an address copied from an earlier run keeps working after a restart. Plain
/// blocking sockets on threads of their own (a handful of connections, never the cooperative pool).
final class DevPortForwarder: Sendable {
    /// What went wrong binding the port.
    struct Failure: Error, CustomStringConvertible {
        let port: Int
        let reason: String
        var description: String { "cannot listen on 127.0.0.1:\(port): \(reason)" }
    }

    /// The port it listens on.
    let port: Int
    private let listener: Int32
    private let targetPort: Int

    /// Listens on `127.0.0.1:port` and forwards to `127.0.0.1:targetPort` once ``start()`` is called.
    /// - Throws: ``Failure`` when the port cannot be bound (it is in use, say).
    init(port: Int, targetPort: Int) throws(Failure) {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(port: port, reason: String(cString: strerror(errno))) }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 64) == 0 else {
            let reason = errno == EADDRINUSE ? "the port is in use" : String(cString: strerror(errno))
            close(socket)
            throw Failure(port: port, reason: reason)
        }
        listener = socket
        self.port = port
        self.targetPort = targetPort
    }

    /// Accepts connections on a thread of its own until ``stop()``.
    func start() {
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                forward(client)
            }
        }
    }

    /// Stops accepting; connections already made end when either side closes.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Connects to the broker and copies bytes both ways, one thread per direction.
    private func forward(_ client: Int32) {
        let upstream = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: targetPort)
        let connected = upstream >= 0 && withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
        guard connected else {
            if upstream >= 0 { close(upstream) }
            close(client)
            return
        }
        var yes: Int32 = 1
        for socket in [client, upstream] { setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size)) }
        let done = DevForwardedPair(client, upstream)
        Thread.detachNewThread { Self.copy(from: client, to: upstream); done.finishOne() }
        Thread.detachNewThread { Self.copy(from: upstream, to: client); done.finishOne() }
    }

    /// Copies until end of file or an error, then ends the write side of `to`.
    private static func copy(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        outer: while true {
            let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break outer }
                sent += written
            }
        }
        shutdown(to, Int32(SHUT_WR))
        shutdown(from, Int32(SHUT_RD))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// The two sockets of one forwarded connection, closed once both directions ended.
private final class DevForwardedPair: Sendable {
    private let sockets: (Int32, Int32)
    private let remaining = Mutex(2)

    init(_ first: Int32, _ second: Int32) {
        sockets = (first, second)
    }

    func finishOne() {
        if remaining.withLock({ $0 -= 1; return $0 }) == 0 {
            close(sockets.0)
            close(sockets.1)
        }
    }
}
