@testable import SagaRuntime
import SagaStore
import Testing

/// The loop's decisions, event by event, with no broker and no clock: times are plain numbers.
@Suite("OrchestratorLoop.StateMachine")
struct OrchestratorLoopStateMachineTests {
    typealias Machine = OrchestratorLoop.StateMachine

    static let settings = Machine.Settings(maxActiveSagas: 100, maxPollWait: 500, purgeInterval: 60_000, retention: 3_600_000)

    static func lease(_ partition: Int32, epoch: Int64 = 1) -> PartitionLease {
        PartitionLease(partition: partition, epoch: epoch)
    }

    static func share(_ partition: Int32, epoch: Int64 = 1, departed: Set<String> = []) -> Machine.Share {
        Machine.Share(partition: partition, lease: lease(partition, epoch: epoch), departed: departed)
    }

    static func owning(_ partitions: [Int32]) -> Machine {
        var machine = Machine(settings: settings, now: 0)
        for partition in partitions { _ = machine.assigned(lease(partition)) }
        return machine
    }

    // MARK: - The commit slot

    @Test("a commit holds the slot: polls do not wait while it is in flight, and settling it relays")
    func commitSlot() {
        var machine = Self.owning([0, 1])
        #expect(machine.pollTimeout(earliestTimer: nil, now: 1_000) == .milliseconds(500))
        #expect(machine.pollTimeout(earliestTimer: 1_040, now: 1_000) == .milliseconds(40))
        #expect(machine.pollTimeout(earliestTimer: 900, now: 1_000) == .milliseconds(1), "an overdue timer: poll briefly")
        let kept = machine.commitReady([Self.share(0), Self.share(1)])
        #expect(kept == [Self.share(0), Self.share(1)])
        #expect(machine.commit != nil)
        #expect(machine.pollTimeout(earliestTimer: nil, now: 1_000) == .zero)
        #expect(machine.commitSettled(.committed) == [.relay])
        #expect(machine.commit == nil)
        #expect(machine.commitSettled(.committed) == [], "nothing in flight: nothing to do")
    }

    @Test("a commit completing after a rebalance revoked its partition is still relayed; the next batch's share of it goes")
    func commitCompletesAfterRevoke() {
        var machine = Self.owning([0, 1])
        _ = machine.commitReady([Self.share(0), Self.share(1)])
        machine.revoked(1)
        #expect(machine.commitSettled(.committed) == [.relay], "written under a lease that was current")
        let kept = machine.commitReady([Self.share(0), Self.share(1)])
        #expect(kept == [Self.share(0)])
        #expect(machine.commit?.shares == [Self.share(0)])
    }

    @Test("a batch whose every share lost its partition starts no commit")
    func nothingKept() {
        var machine = Self.owning([0])
        machine.revoked(0)
        #expect(machine.commitReady([Self.share(0)]).isEmpty)
        #expect(machine.commit == nil)
        #expect(machine.pollTimeout(earliestTimer: nil, now: 0) == .milliseconds(500))
    }

    @Test("a partition taken again under a newer lease keeps only shares of the new lease")
    func reassignedUnderNewLease() {
        var machine = Self.owning([0])
        machine.revoked(0)
        _ = machine.assigned(Self.lease(0, epoch: 2))
        #expect(machine.commitReady([Self.share(0, epoch: 1)]).isEmpty)
        #expect(machine.commitReady([Self.share(0, epoch: 2)]) == [Self.share(0, epoch: 2)])
    }

    // MARK: - Fencing

    @Test("fenced during an in-flight commit: each share is committed alone; the fenced partition is released")
    func fencedDuringCommit() {
        var machine = Self.owning([0, 1, 2])
        _ = machine.commitReady([Self.share(0), Self.share(1), Self.share(2)])
        #expect(machine.commitSettled(.fenced) == [.commitAlone([Self.share(0), Self.share(1), Self.share(2)])])
        #expect(machine.commit == nil)
        #expect(machine.commitAloneFenced(Self.share(1)) == [.release(partition: 1)])
        #expect(machine.leases[1] == nil)
        #expect(machine.leases[0] == Self.lease(0))
        // The next batch's share of the released partition goes; the others stay.
        #expect(machine.commitReady([Self.share(0), Self.share(1), Self.share(2)]) == [Self.share(0), Self.share(2)])
    }

    @Test("a fenced share of a partition taken again since under a newer lease does not release it")
    func fencedButTakenAgain() {
        var machine = Self.owning([0])
        _ = machine.commitReady([Self.share(0)])
        machine.revoked(0)
        _ = machine.assigned(Self.lease(0, epoch: 2))
        #expect(machine.commitSettled(.fenced) == [.commitAlone([Self.share(0)])])
        #expect(machine.commitAloneFenced(Self.share(0)) == [])
        #expect(machine.leases[0] == Self.lease(0, epoch: 2))
    }

    // MARK: - The read barrier

    @Test("a read for a saga the commit in flight finished, or for a start with a business key, waits for the commit")
    func readBarrier() {
        var machine = Self.owning([0])
        #expect(!machine.mustSettleBeforeReading(sagaIDs: ["a"], startWithBusinessKey: true), "nothing in flight")
        _ = machine.commitReady([Self.share(0, departed: ["done"])])
        #expect(machine.mustSettleBeforeReading(sagaIDs: ["other", "done"], startWithBusinessKey: false))
        #expect(machine.mustSettleBeforeReading(sagaIDs: [], startWithBusinessKey: true))
        #expect(!machine.mustSettleBeforeReading(sagaIDs: ["other"], startWithBusinessKey: false))
        _ = machine.commitSettled(.committed)
        #expect(!machine.mustSettleBeforeReading(sagaIDs: ["done"], startWithBusinessKey: true))
    }

    // MARK: - Intake

    @Test("intake pauses at the bound and resumes only below nine tenths of it")
    func intakeHysteresis() {
        var machine = Self.owning([0])
        #expect(machine.activeSagas(99) == [])
        #expect(machine.activeSagas(100) == [.pauseIntake])
        #expect(machine.intakePaused)
        #expect(machine.activeSagas(120) == [], "already paused")
        #expect(machine.activeSagas(95) == [], "below the bound but not below 90: stays paused")
        #expect(machine.activeSagas(90) == [])
        #expect(machine.activeSagas(89) == [.resumeIntake])
        #expect(!machine.intakePaused)
        #expect(machine.activeSagas(95) == [], "resumed: no pause until the bound again")
        #expect(machine.activeSagas(100) == [.pauseIntake])
    }

    @Test("a partition assigned while intake is paused is paused too")
    func assignedWhilePaused() {
        var machine = Self.owning([0])
        #expect(machine.assigned(Self.lease(1)) == [])
        _ = machine.activeSagas(100)
        #expect(machine.assigned(Self.lease(2)) == [.pauseIntake])
    }

    // MARK: - Purge

    @Test("a purge is due once per interval, with the retention's cutoff")
    func purgeSchedule() {
        var machine = Machine(settings: Self.settings, now: 1_000)
        #expect(machine.turnEnded(now: 1_000) == [])
        #expect(machine.turnEnded(now: 60_999) == [])
        #expect(machine.turnEnded(now: 61_000) == [.purge(finishedBefore: 61_000 - 3_600_000)])
        #expect(machine.turnEnded(now: 61_500) == [], "the next one is an interval later")
        #expect(machine.turnEnded(now: 121_000) == [.purge(finishedBefore: 121_000 - 3_600_000)])
    }

    @Test("a purge due while a commit is in flight is not held back, and leaves the commit slot alone")
    func purgeWhileCommitting() {
        var machine = Self.owning([0])
        _ = machine.commitReady([Self.share(0)])
        #expect(machine.turnEnded(now: 60_000) == [.purge(finishedBefore: 60_000 - 3_600_000)])
        #expect(machine.commit?.shares == [Self.share(0)])
        #expect(machine.commitSettled(.committed) == [.relay])
    }
}
