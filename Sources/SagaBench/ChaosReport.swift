import Foundation

/// The one table `saga-bench chaos` prints at the end: a row per scenario.
enum ChaosReport {
    static let header = [
        "scenario", "started", "completed", "compensated", "failed", "lost", "dup effects",
        "event gaps", "dead letters", "restarts/faults", "wall s", "verdict",
    ]

    /// The table, its columns aligned.
    static func table(_ results: [ChaosResult]) -> String {
        let rows = [header] + results.map { result in
            [
                result.scenario.rawValue, "\(result.started)", "\(result.completed)", "\(result.compensated)",
                "\(result.failed)", "\(result.lost)", "\(result.duplicateEffects)", "\(result.eventGaps)",
                "\(result.deadLetters)/\(result.expectedDeadLetters)", "\(result.faults)",
                String(format: "%.1f", result.wallSeconds), result.passed ? "pass" : "FAIL",
            ]
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ")
        }.joined(separator: "\n")
    }
}
