@testable import SagaRuntime
import SagaStore
import Testing

/// The relay's decisions, event by event, with no broker.
@Suite("OutboxRelay.StateMachine")
struct OutboxRelayStateMachineTests {
    typealias Machine = OutboxRelay.StateMachine

    static let start = ContinuousClock.now

    static func records(_ ids: [Int64], copies: Int = 1) -> [OutboxRecord] {
        ids.flatMap { id in
            (0..<copies).map { _ in
                OutboxRecord(id: id, sagaPartition: 0, message: OutboxMessage(topic: "t", key: nil, value: Array("\(id)".utf8), createdAt: 0))
            }
        }
    }

    /// Hands the queued rows over and returns the batch, failing the test when none is handed.
    static func hand(_ machine: inout Machine, at offset: Duration = .zero) throws -> Machine.InFlight {
        guard case .send(let batch, _) = machine.nextBatch(now: start + offset) else {
            Issue.record("expected a batch to hand over")
            throw CancellationError()
        }
        return batch
    }

    @Test("queued rows go out as one batch, in queue order, with the time they waited")
    func batching() throws {
        var machine = Machine()
        #expect(machine.nextBatch(now: Self.start) == .nothingQueued)
        machine.enqueue(Self.records([1, 2]), now: Self.start)
        machine.enqueue(Self.records([3]), now: Self.start + .milliseconds(5))
        #expect(machine.backlog == 3)
        let next = machine.nextBatch(now: Self.start + .milliseconds(8))
        guard case .send(let batch, let queuedFor) = next else { Issue.record("\(next)"); return }
        #expect(batch.number == 0)
        #expect(batch.records.map(\.id) == [1, 2, 3])
        #expect(queuedFor == .milliseconds(8))
        #expect(machine.backlog == 3, "handed over is not yet published")
        #expect(machine.nextBatch(now: Self.start) == .nothingQueued)
        #expect(machine.delivered(batch: 0, .published) == [.markSent(batch: 0, ids: [1, 2, 3])])
        #expect(machine.backlog == 0)
        #expect(machine.isDrained)
    }

    @Test("the records of one row are marked once")
    func oneRowManyRecords() throws {
        var machine = Machine()
        machine.enqueue(Self.records([7], copies: 3) + Self.records([8], copies: 2), now: Self.start)
        let batch = try Self.hand(&machine)
        #expect(machine.delivered(batch: batch.number, .published) == [.markSent(batch: 0, ids: [7, 8])])
    }

    @Test("the window holds at most maxBatchesInFlight batches and opens as they are published")
    func window() throws {
        var machine = Machine(maxBatchesInFlight: 2)
        for id in Int64(1)...3 {
            machine.enqueue(Self.records([id]), now: Self.start)
            if id < 3 { _ = try Self.hand(&machine) }
        }
        #expect(!machine.windowOpen)
        #expect(machine.nextBatch(now: Self.start) == .waitForWindow)
        #expect(machine.delivered(batch: 0, .published) == [.markSent(batch: 0, ids: [1])])
        #expect(machine.windowOpen)
        let third = try Self.hand(&machine)
        #expect(third.number == 2)
        #expect(third.records.map(\.id) == [3])
    }

    @Test("a failed batch stops the window while later ones are in flight, and is resent with a growing backoff")
    func failureStopsTheWindow() throws {
        var machine = Machine(maxBatchesInFlight: 8)
        machine.enqueue(Self.records([1]), now: Self.start)
        let first = try Self.hand(&machine)
        machine.enqueue(Self.records([2]), now: Self.start)
        let second = try Self.hand(&machine)
        machine.enqueue(Self.records([3]), now: Self.start)

        #expect(machine.delivered(batch: first.number, .failed(retryable: true)) == [.resend(batch: 0, backoff: .milliseconds(200))])
        #expect(machine.retrying)
        #expect(!machine.windowOpen)
        #expect(machine.nextBatch(now: Self.start) == .waitForWindow, "no new batch while the failed one is resent")
        #expect(machine.delivered(batch: first.number, .failed(retryable: true)) == [.resend(batch: 0, backoff: .milliseconds(400))])
        // Published at last: the window opens, and the later batch is still waited for.
        #expect(machine.delivered(batch: first.number, .published) == [.markSent(batch: 0, ids: [1])])
        #expect(!machine.retrying)
        #expect(machine.windowOpen)
        #expect(machine.delivered(batch: second.number, .published) == [.markSent(batch: 1, ids: [2])])
        let third = try Self.hand(&machine)
        #expect(third.records.map(\.id) == [3])
    }

    @Test("an acknowledgement of a later batch that comes while an earlier one is being resent counts only after it")
    func ackAfterFailure() throws {
        var machine = Machine()
        for id in Int64(1)...3 {
            machine.enqueue(Self.records([id]), now: Self.start)
            _ = try Self.hand(&machine)
        }
        #expect(machine.delivered(batch: 0, .failed(retryable: true)) == [.resend(batch: 0, backoff: .milliseconds(200))])
        #expect(machine.delivered(batch: 2, .published) == [], "batch 2 waits for 0 and 1")
        #expect(machine.delivered(batch: 1, .published) == [], "batch 1 waits for 0")
        #expect(machine.backlog == 3)
        #expect(machine.delivered(batch: 0, .published) == [
            .markSent(batch: 0, ids: [1]), .markSent(batch: 1, ids: [2]), .markSent(batch: 2, ids: [3]),
        ])
        #expect(machine.isDrained)
    }

    @Test("a later batch's failure reported early is acted on once the batches before it are published")
    func laterFailureReportedEarly() throws {
        var machine = Machine()
        for id in Int64(1)...2 {
            machine.enqueue(Self.records([id]), now: Self.start)
            _ = try Self.hand(&machine)
        }
        #expect(machine.delivered(batch: 1, .failed(retryable: true)) == [])
        #expect(machine.windowOpen, "batch 1's failure is not acted on yet")
        #expect(machine.delivered(batch: 0, .published) == [
            .markSent(batch: 0, ids: [1]), .resend(batch: 1, backoff: .milliseconds(200)),
        ])
        #expect(!machine.windowOpen)
        #expect(machine.delivered(batch: 1, .published) == [.markSent(batch: 1, ids: [2])])
    }

    @Test("dead letters replacing refused messages are sent again without a backoff or stopping the window")
    func deadLetters() throws {
        var machine = Machine()
        machine.enqueue(Self.records([1]), now: Self.start)
        _ = try Self.hand(&machine)
        #expect(machine.delivered(batch: 0, .failed(retryable: false)) == [.resend(batch: 0, backoff: nil)])
        #expect(!machine.retrying)
        #expect(machine.delivered(batch: 0, .published) == [.markSent(batch: 0, ids: [1])])
    }

    @Test("the backoff starts again after a batch is published")
    func backoffResets() throws {
        var machine = Machine()
        machine.enqueue(Self.records([1]), now: Self.start)
        _ = try Self.hand(&machine)
        for _ in 0..<7 { _ = machine.delivered(batch: 0, .failed(retryable: true)) }
        #expect(machine.delivered(batch: 0, .failed(retryable: true)) == [.resend(batch: 0, backoff: .seconds(5))], "capped")
        _ = machine.delivered(batch: 0, .published)
        machine.enqueue(Self.records([2]), now: Self.start)
        _ = try Self.hand(&machine)
        #expect(machine.delivered(batch: 1, .failed(retryable: true)) == [.resend(batch: 1, backoff: .milliseconds(200))])
    }

    @Test("outcomes of unknown or already published batches are ignored")
    func unknownOutcomes() throws {
        var machine = Machine()
        machine.enqueue(Self.records([1]), now: Self.start)
        _ = try Self.hand(&machine)
        #expect(machine.delivered(batch: 5, .published) == [])
        #expect(machine.delivered(batch: 0, .published) == [.markSent(batch: 0, ids: [1])])
        #expect(machine.delivered(batch: 0, .published) == [])
        #expect(machine.delivered(batch: 0, .failed(retryable: true)) == [])
        #expect(machine.windowOpen)
    }

    @Test("room for more rows ends beyond maxPending; done once finished and nothing is queued")
    func roomAndFinish() throws {
        var machine = Machine(maxPending: 2)
        machine.enqueue(Self.records([1, 2]), now: Self.start)
        #expect(machine.hasRoom)
        machine.enqueue(Self.records([3]), now: Self.start)
        #expect(!machine.hasRoom)
        machine.finish()
        #expect(!machine.isDone, "rows are still queued")
        _ = try Self.hand(&machine)
        #expect(machine.hasRoom)
        #expect(machine.isDone)
        #expect(!machine.isDrained, "the batch is still on its way")
        _ = machine.delivered(batch: 0, .published)
        #expect(machine.isDrained)
    }
}
