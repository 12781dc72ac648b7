import SagaConcurrency
import SagaTestKit
import Synchronization
import Testing

@Suite("Bounded waits", .timeLimit(.minutes(1)))
struct BoundedWaitTests {
    @Test("poll returns the value that met the condition, and at its bound throws naming what and the last value seen")
    func pollBound() async throws {
        let looks = Mutex(0)
        let seen = try await poll("three looks", within: .seconds(10), every: .milliseconds(1)) {
            looks.withLock { $0 += 1; return $0 }
        } until: { $0 >= 3 }
        #expect(seen == 3)

        let error = await #expect(throws: WaitTimedOut.self) {
            try await poll("a value that never comes", within: .milliseconds(50)) { 7 } until: { $0 == 8 }
        }
        #expect(error?.description.contains("a value that never comes") == true)
        #expect(error?.lastObserved == "7")
    }

    @Test("a Watched wait is woken by the update, and at its bound throws with the value then")
    func watchedBound() async throws {
        let value = Watched(0)
        async let woken = value.wait(for: "the value to be 1", within: .seconds(30)) { $0 == 1 }
        value.update { $0 = 1 }
        #expect(try await woken == 1)

        let error = await #expect(throws: WaitTimedOut.self) {
            try await value.wait(for: "the value to be 2", within: .milliseconds(50)) { $0 == 2 }
        }
        #expect(error?.lastObserved == "1")
    }

    @Test("a gate wakes its waiters when opened, and a closed one fails at the bound")
    func gate() async throws {
        let gate = Gate()
        await #expect(throws: WaitTimedOut.self) { try await gate.wait(within: .milliseconds(50)) }
        async let opened: Void = gate.wait(within: .seconds(30))
        gate.open()
        try await opened
        #expect(gate.isOpen)
    }

    @Test("awaiting cancels an operation that outlives its bound")
    func awaitingBound() async throws {
        #expect(try await awaiting("a quick answer", within: .seconds(30)) { 42 } == 42)
        let error = await #expect(throws: WaitTimedOut.self) {
            try await awaiting("an answer that never comes", within: .milliseconds(50), lastObserved: { "nothing yet" }) {
                try await Task.sleep(for: .seconds(600))
            }
        }
        #expect(error?.lastObserved == "nothing yet")
    }
}
