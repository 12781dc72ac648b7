import SagaConcurrency
import Testing

@Suite("Watched", .timeLimit(.minutes(1)))
struct WatchedTests {
    @Test("a wait whose condition holds returns at once")
    func holdsNow() async {
        let watched = Watched(5)
        #expect(await watched.wait { $0 == 5 })
    }

    @Test("a wait returns when an update makes its condition true, not before")
    func resumedByUpdate() async {
        let watched = Watched(0)
        let seen = await withTaskGroup(of: Int?.self) { group in
            group.addTask {
                guard await watched.wait(until: { $0 >= 3 }) else { return nil }
                return watched.value
            }
            // The waiter may register before or after any of these updates: either way it must
            // not come back with a value below 3.
            for value in 1...5 {
                watched.update { $0 = value }
                await Task.yield()
            }
            return await group.next() ?? nil
        }
        #expect((seen ?? 0) >= 3)
    }

    @Test("many waiters on different conditions are each resumed by the update that satisfies them")
    func manyWaiters() async {
        let watched = Watched(0)
        let seen = await withTaskGroup(of: (threshold: Int, value: Int?).self) { group in
            for threshold in 1...20 {
                group.addTask {
                    guard await watched.wait(until: { $0 >= threshold }) else { return (threshold, nil) }
                    return (threshold, watched.value)
                }
            }
            for value in 1...20 {
                watched.update { $0 = value }
                await Task.yield()
            }
            var seen: [Int: Int?] = [:]
            for await result in group { seen[result.threshold] = result.value }
            return seen
        }
        #expect(seen.count == 20)
        #expect(seen.allSatisfy { threshold, value in (value ?? 0) >= threshold })
    }

    @Test("a cancelled wait returns false at once")
    func cancelled() async {
        let watched = Watched(false)
        let task = Task { await watched.wait { $0 } }
        task.cancel()
        #expect(await task.value == false)
        #expect(watched.value == false)
    }

    @Test("a bounded wait returns false when the time passes and true when the condition comes first")
    func bounded() async {
        let watched = Watched(0)
        let clock = ContinuousClock()
        let started = clock.now
        // The subject here is time passing: nothing updates the value.
        #expect(await watched.wait(until: { $0 == 1 }, within: .milliseconds(50)) == false)
        #expect(clock.now - started >= .milliseconds(50))
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await watched.wait(until: { $0 == 1 }, within: .seconds(30)) }
            await Task.yield()
            watched.update { $0 = 1 }
            #expect(await group.next() == true)
        }
    }

    @Test("update returns its body's result and reads see the new value")
    func updateResult() {
        let watched = Watched([1, 2])
        let count = watched.update { value -> Int in
            value.append(3)
            return value.count
        }
        #expect(count == 3)
        #expect(watched.read { $0.last } == 3)
    }
}
