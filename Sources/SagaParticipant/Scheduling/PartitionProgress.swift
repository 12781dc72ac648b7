/// The offsets of one assigned partition: which received messages are still unanswered, and so
/// how far the partition may be committed.
struct PartitionProgress {
    /// The assignment generation this progress belongs to.
    let generation: UInt64
    /// Received and not yet answered, ascending.
    private var unanswered: [Int64] = []
    /// Answered while an older message is still unanswered.
    private var answeredAhead: Set<Int64> = []
    /// The newest offset received.
    private var newest: Int64?
    /// The offset last committed (or the position the partition started at).
    private var committed: Int64?

    init(generation: UInt64) {
        self.generation = generation
    }

    /// Takes a received offset; `false` for one at or before the newest already received (a
    /// redelivery after a reassignment within one poll), which is ignored.
    mutating func receive(_ offset: Int64) -> Bool {
        if let newest, offset <= newest { return false }
        if committed == nil { committed = offset }
        newest = offset
        unanswered.append(offset)
        return true
    }

    /// Marks a received offset answered.
    mutating func answer(_ offset: Int64) {
        answeredAhead.insert(offset)
        while let oldest = unanswered.first, answeredAhead.remove(oldest) != nil {
            unanswered.removeFirst()
        }
    }

    /// The offset to commit (the next one to read: the oldest unanswered, or one past the newest
    /// received) when it moved since the last commit.
    var due: Int64? {
        guard let newest else { return nil }
        let next = unanswered.first ?? newest + 1
        return next > (committed ?? -1) ? next : nil
    }

    /// Records a successful commit of `offset`.
    mutating func didCommit(_ offset: Int64) {
        committed = max(committed ?? offset, offset)
    }
}
