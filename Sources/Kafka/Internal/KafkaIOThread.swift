import Dispatch
import Foundation
import Synchronization

/// A dedicated OS thread that runs a client's blocking librdkafka calls (poll, flush, commit,
/// close, destroy), so they never block Swift's cooperative thread pool.
///
/// Jobs run one at a time in submission order. When an `idle` body is given (the producer's
/// `rd_kafka_poll`), the thread runs it whenever there is no job, and `wake` must make it return
/// early; otherwise the thread sleeps until a job arrives. After ``finish(_:)`` the final job
/// runs last and the thread ends; later submissions fail with ``KafkaError/shutDown(_:file:line:)``.
package final class KafkaIOThread: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var finished = false
        var finalJob: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())
    private let signal = DispatchSemaphore(value: 0)
    private let wake: @Sendable () -> Void

    /// Starts the thread.
    /// - Parameters:
    ///   - name: the thread name, shown by debuggers and `top -H`.
    ///   - idle: run repeatedly while there is no job; must return within a bounded time.
    ///   - wake: makes a running `idle` return early (e.g. `rd_kafka_yield`).
    package init(
        name: String, idle: (@Sendable () -> Void)? = nil, wake: @escaping @Sendable () -> Void = {}
    ) {
        self.wake = wake
        // The thread keeps this object alive until its final job has run.
        let thread = Thread { [self] in
            self.loop(idle: idle)
        }
        thread.name = name
        thread.start()
    }

    private func loop(idle: (@Sendable () -> Void)?) {
        while true {
            let (jobs, finalJob) = state.withLock { state -> ([@Sendable () -> Void], (@Sendable () -> Void)?) in
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

    /// Queues `job`; returns `false` when the thread is finishing and the job will not run.
    @discardableResult
    package func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
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
    package func run<T: Sendable>(
        _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            let accepted = submit {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            if !accepted { continuation.resume(returning: .failure(.shutDown())) }
        }
        return try result.get()
    }

    /// Lets queued jobs finish, then runs `finalJob` and ends the thread. Only the first call counts.
    package func finish(_ finalJob: @escaping @Sendable () -> Void) {
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
    }
}
