/// The outcome of one timed run.
struct BenchKafkaResult {
    var messages: Int
    var bytes: Int
    var duration: Duration

    var seconds: Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
    var messagesPerSecond: Double { Double(messages) / seconds }
    var megabytesPerSecond: Double { Double(bytes) / seconds / 1_000_000 }

    /// The median run by throughput (the upper one of an even count).
    static func median(_ runs: [BenchKafkaResult]) -> BenchKafkaResult {
        let sorted = runs.sorted { $0.messagesPerSecond < $1.messagesPerSecond }
        return sorted[sorted.count / 2]
    }
}

/// Formats the benchmark table.
enum BenchKafkaReport {
    static let header = pad("run", 8) + pad("value", 7) + pad("wrapper msg/s", 15) + pad("MB/s", 8)
        + pad("kcat msg/s", 13) + pad("MB/s", 8) + "wrapper/kcat"

    static func line(_ run: String, size: Int, ours: BenchKafkaResult, kcat: BenchKafkaResult?) -> String {
        var text = pad(run, 8) + pad("\(size) B", 7) + pad(format(ours.messagesPerSecond, 0), 15)
            + pad(format(ours.megabytesPerSecond, 1), 8)
        if let kcat {
            text += pad(format(kcat.messagesPerSecond, 0), 13) + pad(format(kcat.megabytesPerSecond, 1), 8)
                + format(ours.messagesPerSecond / kcat.messagesPerSecond, 2) + "x"
        } else {
            text += pad("-", 13) + pad("-", 8) + "-"
        }
        return text
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? "\(Int(rounded))" : "\(rounded)"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
