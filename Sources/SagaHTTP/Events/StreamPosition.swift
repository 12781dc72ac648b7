/// Where a progress stream is: the next offset to read in every partition of the progress topic.
/// It is each event's SSE `id` (`0:15,1:22`), so a client that reconnects with `Last-Event-ID`
/// misses nothing still on the topic.
struct StreamPosition: Sendable, Hashable {
    var nextOffsets: [Int32: Int64]

    var id: String {
        nextOffsets.keys.sorted().map { "\($0):\(nextOffsets[$0]!)" }.joined(separator: ",")
    }

    /// - Throws: a 400 ``Problem`` when `text` is not an id this server gave.
    init(parsing text: String) throws {
        var offsets: [Int32: Int64] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: ":")
            guard pieces.count == 2, let partition = Int32(pieces[0]), let offset = Int64(pieces[1]), partition >= 0, offset >= 0 else {
                throw Problem.badRequest("Last-Event-ID '\(text)' is not an event id this server gave (PARTITION:OFFSET,...)")
            }
            offsets[partition] = offset
        }
        guard !offsets.isEmpty else {
            throw Problem.badRequest("Last-Event-ID is empty")
        }
        nextOffsets = offsets
    }

    init(nextOffsets: [Int32: Int64]) {
        self.nextOffsets = nextOffsets
    }
}
