import DedicatedThreads
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

@Suite("DedicatedThread", .timeLimit(.minutes(1)))
struct DedicatedThreadTests {
    struct JobError: Error, Equatable { var value: Int }

    /// What the jobs saw: their order and the OS thread each ran on.
    final class Trace: Sendable {
        let entries = Mutex<[(index: Int, thread: UInt)]>([])

        func record(_ index: Int) {
            let thread = UInt(pthread_self())
            entries.withLock { $0.append((index, thread)) }
        }
    }

    @Test("jobs run one at a time, in submission order, on one thread of their own")
    func orderAndThread() async throws {
        let thread = DedicatedThread(name: "test-dedicated-order")
        let trace = Trace()
        let running = Mutex(0)
        let overlapped = Mutex(false)
        for index in 0..<200 {
            let accepted = thread.submit {
                let concurrent = running.withLock { $0 += 1; return $0 }
                if concurrent > 1 { overlapped.withLock { $0 = true } }
                trace.record(index)
                running.withLock { $0 -= 1 }
            }
            #expect(accepted)
        }
        let last = try await thread.run(refused: JobError(value: -1)) { () throws(JobError) in 200 }
        #expect(last == 200)
        let entries = trace.entries.withLock { $0 }
        #expect(entries.map(\.index) == Array(0..<200))
        #expect(Set(entries.map(\.thread)).count == 1)
        let caller = try await thread.run(refused: JobError(value: -1)) { () throws(JobError) in UInt(pthread_self()) }
        #expect(caller == entries.first?.thread, "a later job runs on the same thread")
        #expect(!overlapped.withLock { $0 })
        await thread.finishAndWait()
    }

    @Test("a job's result and its error come back to the awaiting task")
    func resultAndError() async throws {
        let thread = DedicatedThread(name: "test-dedicated-error")
        let value = try await thread.run(refused: JobError(value: -1)) { () throws(JobError) in 42 }
        #expect(value == 42)
        await #expect(throws: JobError(value: 7)) {
            try await thread.run(refused: JobError(value: -1)) { () throws(JobError) -> Int in
                throw JobError(value: 7)
            }
        }
        // The thread keeps serving after a failed job.
        let after = try await thread.run(refused: JobError(value: -1)) { () throws(JobError) in "still here" }
        #expect(after == "still here")
        await thread.finishAndWait()
    }

    @Test("finishing drains the queued jobs, runs the final job last, then refuses new jobs")
    func finishDrains() async throws {
        let thread = DedicatedThread(name: "test-dedicated-finish")
        let trace = Trace()
        // Hold the thread so the later jobs are queued when finish is called.
        let gate = DispatchSemaphore(value: 0)
        thread.submit { gate.wait() }
        for index in 0..<50 {
            thread.submit { trace.record(index) }
        }
        let (finalRan, finalRanContinuation) = AsyncStream.makeStream(of: Void.self)
        let first = thread.finish {
            trace.record(-1)
            finalRanContinuation.yield()
        }
        #expect(first)
        #expect(!thread.finish { trace.record(-2) }, "only the first finish counts")
        #expect(!thread.submit { trace.record(99) }, "a finishing thread refuses jobs")
        await #expect(throws: JobError(value: -1)) {
            try await thread.run(refused: JobError(value: -1)) { () throws(JobError) in 0 }
        }
        gate.signal()
        // Bounded by the suite's time limit.
        var iterator = finalRan.makeAsyncIterator()
        #expect(await iterator.next() != nil)
        #expect(trace.entries.withLock { $0.map(\.index) } == Array(0..<50) + [-1])
    }

    @Test("finishAndWait returns after the final job has run")
    func finishAndWaitRunsFinalJob() async {
        let thread = DedicatedThread(name: "test-dedicated-wait")
        let trace = Trace()
        for index in 0..<10 { thread.submit { trace.record(index) } }
        await thread.finishAndWait { trace.record(-1) }
        #expect(trace.entries.withLock { $0.map(\.index) } == Array(0..<10) + [-1])
    }

    @Test("with an idle body, wake makes a job run at once and idle runs between jobs")
    func idleAndWake() async throws {
        let wakeups = DispatchSemaphore(value: 0)
        let idleRuns = Mutex(0)
        // The idle body blocks up to 60 s unless woken: a job that ran promptly proves wake works.
        let thread = DedicatedThread(
            name: "test-dedicated-idle",
            idle: {
                idleRuns.withLock { $0 += 1 }
                _ = wakeups.wait(timeout: .now() + 60)
            },
            wake: { wakeups.signal() }
        )
        // The job goes in once the thread is idle (a job queued before its first turn would run
        // without an idle wait to end); then the thread, out of work, goes idle again.
        try await Self.waitUntil("the thread to go idle") { idleRuns.withLock { $0 } >= 1 }
        let clock = ContinuousClock()
        let started = clock.now
        let value = try await thread.run(refused: JobError(value: -1)) { () throws(JobError) in 1 }
        #expect(value == 1)
        #expect(clock.now - started < .seconds(30), "wake should end the idle wait early")
        try await Self.waitUntil("the thread to go idle again after the job") { idleRuns.withLock { $0 } >= 2 }
        await thread.finishAndWait()
    }

    /// Checks `condition` every 10 ms until it holds, for up to 60 s (a bound for a loaded
    /// machine: what is waited for is a thread's turn, not the subject).
    private static func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out after 60 s waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
