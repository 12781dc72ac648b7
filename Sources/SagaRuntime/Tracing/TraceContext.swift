/// W3C Trace Context for sagas that arrive without one: every saga gets a trace.
enum TraceContext {
    /// A new `traceparent` (version 00, random trace and span ids, sampled).
    static func newTraceparent() -> String {
        var generator = SystemRandomNumberGenerator()
        let trace = hex(generator.next(), generator.next())
        let span = hex(generator.next())
        return "00-\(trace)-\(span)-01"
    }

    private static func hex(_ words: UInt64...) -> String {
        words.map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
