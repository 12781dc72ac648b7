import CRdKafka
import Glibc

/// Lets a client's I/O thread sleep until librdkafka has an event for it (a delivery report, an
/// error, a log line) or a job arrives, and wake at once for either.
///
/// librdkafka writes a byte to one pipe whenever its main queue gets an event
/// (`rd_kafka_queue_io_event_enable`); ``wake()`` writes to a second pipe. ``waitAndServe()``
/// `poll(2)`s both, then serves the queue without blocking. (`rd_kafka_yield` does not
/// interrupt a waiting `rd_kafka_poll` in 2.0.2, so it cannot be the wake-up.)
///
/// `@unchecked Sendable`: the queue pointer is used only on the I/O thread (serve and close);
/// ``wake()`` only writes to a pipe, which is thread-safe. ``close()`` runs once, on the I/O
/// thread, before `rd_kafka_destroy`.
package final class RdKafkaEventWaiter: @unchecked Sendable {
    private let handle: RdKafkaHandle
    private let queue: OpaquePointer
    private let events: (read: Int32, write: Int32)
    private let jobs: (read: Int32, write: Int32)
    private var closed = false

    package init(handle: RdKafkaHandle) throws(KafkaError) {
        func makePipe() throws(KafkaError) -> (Int32, Int32) {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw .clientCreation("pipe failed: errno \(errno)") }
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
            return (fds[0], fds[1])
        }
        self.handle = handle
        events = try makePipe()
        jobs = try makePipe()
        queue = rd_kafka_queue_get_main(handle.pointer)
        var byte: UInt8 = 1
        rd_kafka_queue_io_event_enable(queue, events.write, &byte, 1)
    }

    /// Waits (at most a second) for a librdkafka event or a wake-up, then serves every queued
    /// event, running the callbacks on this thread.
    package func waitAndServe() {
        var fds = [pollfd(fd: events.read, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: jobs.read, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, 1000)
        drain(events.read)
        drain(jobs.read)
        _ = rd_kafka_poll(handle.pointer, 0)
    }

    /// Makes a waiting ``waitAndServe()`` return. Safe from any thread.
    package func wake() {
        var byte: UInt8 = 1
        _ = write(jobs.write, &byte, 1)  // A full pipe already holds a pending wake-up.
    }

    /// Stops the notifications and releases the queue and pipes. On the I/O thread, once,
    /// before `rd_kafka_destroy`.
    package func close() {
        guard !closed else { return }
        closed = true
        rd_kafka_queue_io_event_enable(queue, -1, nil, 0)
        rd_kafka_queue_destroy(queue)
        for fd in [events.read, events.write, jobs.read, jobs.write] { _ = Glibc.close(fd) }
    }

    private func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(fd, &buffer, buffer.count) > 0 {}
    }
}
