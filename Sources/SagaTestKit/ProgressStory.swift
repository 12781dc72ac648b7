import SagaCore

/// Checks that a saga's progress events tell one story: sequence numbers 1...n with no gap, and
/// every copy of one number the same event. The relay publishes at least once, so copies
/// happen; two different events under one number would mean an input was applied twice, and a
/// gap that an event was lost.
public enum ProgressStory {
    /// What is wrong with `events` (all of one saga, in any order); empty when nothing is.
    public static func problems(in events: [ProgressEvent]) -> [String] {
        var problems: [String] = []
        var bySequence: [Int64: ProgressEvent] = [:]
        for event in events {
            if let first = bySequence[event.sequence] {
                if first != event {
                    problems.append("two different events with sequence \(event.sequence): \(first.event) and \(event.event)")
                }
            } else {
                bySequence[event.sequence] = event
            }
        }
        let sequences = bySequence.keys.sorted()
        if sequences.isEmpty {
            problems.append("no events")
        } else if sequences != Array(1...Int64(sequences.count)) {
            problems.append("sequence numbers are not 1...\(sequences.count): \(sequences)")
        }
        return problems
    }
}
