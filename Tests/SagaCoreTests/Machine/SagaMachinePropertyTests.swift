import PropertyBased
import SagaCore
import Testing

@Suite("Saga machine properties")
struct SagaMachinePropertyTests {
    static let stepCount = Gen.int(in: 1...8)
    static let edges = Gen.int(in: 0...99).array(of: 28)
    static let script = Gen.int(in: 0...99_999).array(of: 0...250)
    static let knobs = Gen.int(in: 0...1_000_000)

    func run(_ stepCount: Int, _ edges: [Int], _ script: [Int], _ knobs: Int, roundTrip: Bool = false) throws -> SagaSimulation {
        var simulation = try SagaSimulation(definition: SagaSimulation.definition(stepCount: stepCount, edges: edges, knobs: knobs))
        simulation.roundTripState = roundTrip
        simulation.play(script)
        simulation.drain()
        return simulation
    }

    @Test func sagaEndsTerminalAndKeepsItsInvariants() async {
        await propertyCheck(count: 300, input: Self.stepCount, Self.edges, Self.script, Self.knobs) { stepCount, edges, script, knobs in
            let sim = try run(stepCount, edges, script, knobs)
            let plan = sim.plan

            // A saga always ends in a terminal state once participants answer.
            #expect(sim.state.status.isTerminal)

            // Sequence numbers have no gaps.
            #expect(sim.events.map(\.sequence) == Array(1...Int64(sim.events.count)))

            // One idempotency key per (saga, step, phase), distinct between them.
            var keys: [String: Set<String>] = [:]
            for command in sim.commands { keys["\(command.step)/\(command.phase)", default: []].insert(command.idempotencyKey) }
            #expect(keys.values.allSatisfy { $0.count == 1 })
            #expect(Set(keys.values.flatMap { $0 }).count == keys.count)

            // Replay the events alongside the commands to check order-dependent rules.
            var pendingSucceeded: Set<String> = []
            var compensated: Set<String> = []
            var failedOnce = false
            var eventIndex = 0
            var commandIndex = 0
            // Commands and events are interleaved per transition; walk them by the commandSent events.
            for event in sim.events {
                eventIndex += 1
                switch event.event {
                case .compensationStarted:
                    failedOnce = true
                case .stepSucceeded where event.phase == .pending:
                    pendingSucceeded.insert(event.step!)
                case .stepCompensated, .compensationForced:
                    compensated.insert(event.step!)
                case .commandSent:
                    let command = sim.commands[commandIndex]
                    commandIndex += 1
                    #expect(command.step == event.step && command.phase == event.phase && command.attempt == event.attempt)
                    let index = plan.index(ofStep: command.step)!
                    switch command.phase {
                    case .pending:
                        // A pending command only once every dependency succeeded.
                        #expect(plan.steps[index].dependencies.allSatisfy { pendingSucceeded.contains(plan.steps[$0].name) })
                    case .approve:
                        // No approve is ever sent after a failure.
                        #expect(!failedOnce)
                    case .compensate:
                        // Reverse dependency order: every touched dependent is compensated first.
                        for dependent in plan.steps[index].dependents {
                            let name = plan.steps[dependent].name
                            let touched = sim.commands.contains { $0.step == name && $0.phase == .pending }
                            #expect(!touched || compensated.contains(name), "\(command.step) compensated before its dependent \(name)")
                        }
                    case .verify:
                        #expect(!failedOnce)
                    }
                default:
                    break
                }
            }
            #expect(commandIndex == sim.commands.count)

            // Exactly the steps that were sent a pending command get compensated.
            let sentPending = Set(sim.commands.filter { $0.phase == .pending }.map(\.step))
            let sentCompensate = Set(sim.commands.filter { $0.phase == .compensate }.map(\.step))
            if sim.state.status == .compensated {
                #expect(sentPending.isSubset(of: sentCompensate.union(compensated)))
                #expect(sentCompensate.isSubset(of: sentPending))
                #expect(compensated == sentPending)
            } else {
                #expect(sentCompensate.isEmpty)
                #expect(!failedOnce)
            }
        }
    }

    @Test func sameInputsGiveSameOutputsEvenThroughPersistence() async {
        await propertyCheck(count: 100, input: Self.stepCount, Self.edges, Self.script, Self.knobs) { stepCount, edges, script, knobs in
            let first = try run(stepCount, edges, script, knobs)
            let second = try run(stepCount, edges, script, knobs)
            let persisted = try run(stepCount, edges, script, knobs, roundTrip: true)
            #expect(first.events == second.events)
            #expect(first.commands == second.commands)
            #expect(first.state == second.state)
            #expect(first.events == persisted.events)
            #expect(first.commands == persisted.commands)
        }
    }
}
