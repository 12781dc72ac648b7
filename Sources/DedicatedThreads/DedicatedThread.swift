import Dispatch
import Foundation
import Synchronization

/// An OS thread of its own that runs blocking jobs (librdkafka's poll, flush and close, SQLite's
/// disk calls) so they never block Swift's cooperative thread pool.
///
/// Jobs run one at a time, in the order they were submitted. When an `idle` body is given (a
/// librdkafka event loop), the thread runs it whenever it has no job and `wake` must make it
/// return early; otherwise the thread sleeps until a job arrives. ``finish(_:)`` lets the jobs
/// already queued run, then runs its final job last and ends the thread; later submissions are
/// refused.
///
/// The thread holds a strong reference to this object until its final job has run, so a
/// `DedicatedThread` that is dropped without ``finish(_:)`` keeps its thread (and what its jobs
/// capture) alive: owners finish it in exactly one place.
public final class DedicatedThread: Sendable {
    public typealias Job = @Sendable () -> Void

    private struct State {
        var jobs: [Job] = []
        var finished = false
        var finalJob: Job?
    }

    private let state = Mutex(State())
    /// Signalled once per submission; the thread waits on it when it has no job and no `idle`.
    private let signal = DispatchSemaphore(value: 0)
    private let wake: Job

    /// The thread's name, as given to ``init(name:idle:wake:)``.
    public let name: String

    /// Starts the thread.
    /// - Parameters:
    ///   - name: The thread name, shown by debuggers and `top -H`.
    ///   - idle: Run repeatedly while there is no job; must return within a bounded time. `nil`
    ///     (the default): the thread sleeps until a job arrives.
    ///   - wake: Makes a running `idle` return early (e.g. `rd_kafka_yield`). Default: nothing.
    public init(name: String, idle: Job? = nil, wake: @escaping Job = {}) {
        self.name = name
        self.wake = wake
        let thread = Thread { [self] in
            self.loop(idle: idle)
        }
        thread.name = name
        thread.start()
    }

    private func loop(idle: Job?) {
        while true {
            let (jobs, finalJob) = state.withLock { state -> ([Job], Job?) in
                let jobs = state.jobs
                state.jobs.removeAll(keepingCapacity: true)
                if jobs.isEmpty, state.finished {
                    let finalJob = state.finalJob
                    state.finalJob = nil
                    return ([], finalJob ?? {})
                }
                return (jobs, nil)
            }
            if let finalJob {
                finalJob()
                return
            }
            if jobs.isEmpty {
                if let idle { idle() } else { signal.wait() }
            } else {
                for job in jobs { job() }
            }
        }
    }

    /// Queues `job` to run on the thread.
    /// - Returns: `false` when the thread is finishing: the job will not run.
    @discardableResult
    public func submit(_ job: @escaping Job) -> Bool {
        let accepted = state.withLock { state in
            guard !state.finished else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted {
            signal.signal()
            wake()
        }
        return accepted
    }

    /// Runs `body` on the thread and returns its result to the awaiting task.
    /// - Parameters:
    ///   - refused: The error thrown when the thread is finishing and `body` will not run.
    ///   - body: The job; runs on the thread.
    /// - Throws: What `body` throws, or `refused`.
    public func run<T: Sendable, Failure: Error>(
        refused: @autoclosure () -> Failure,
        _ body: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            let accepted = submit {
                do throws(Failure) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            if !accepted { continuation.resume(returning: .failure(refused())) }
        }
        return try result.get()
    }

    /// Lets the queued jobs run, then runs `finalJob` and ends the thread. Only the first call
    /// counts.
    /// - Returns: `true` for the first call, whose `finalJob` will run; `false` otherwise.
    @discardableResult
    public func finish(_ finalJob: @escaping Job = {}) -> Bool {
        let first = state.withLock { state in
            guard !state.finished else { return false }
            state.finished = true
            state.finalJob = finalJob
            return true
        }
        if first {
            signal.signal()
            wake()
        }
        return first
    }

    /// Like ``finish(_:)``, and returns once `finalJob` has run (at once for a later call).
    public func finishAndWait(_ finalJob: @escaping Job = {}) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let first = finish {
                finalJob()
                continuation.resume()
            }
            if !first { continuation.resume() }
        }
    }
}
