import Foundation
import SagaCore

/// How progress is shown: readable lines (coloured on a terminal) or the events as JSON.
struct ProgressStyle: Sendable {
    /// One JSON object per line, each the event as published; no summaries.
    var json = false
    /// ANSI colours in the readable lines.
    var colours = false
    /// A summary line per saga when it settles.
    var summaries = true

    /// Colours when standard output is a terminal and `NO_COLOR` is not set (https://no-color.org).
    static func forTerminal(json: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment) -> ProgressStyle {
        let noColour = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return ProgressStyle(json: json, colours: !json && !noColour && isatty(STDOUT_FILENO) == 1, summaries: !json)
    }

    /// One line for an event: time, saga, type, sequence, what happened, and the state after it.
    func line(_ event: ProgressEvent) -> String {
        let step = event.step.map { " \($0)" } ?? ""
        let phase = event.phase.map { " \($0.rawValue)" } ?? ""
        let attempt = event.attempt.map { $0 > 1 ? " attempt \($0)" : "" } ?? ""
        let paused = event.paused ? ", paused" : ""
        let reason = event.reason.map { " — \($0)" } ?? ""
        let text = "\(Self.clock(event.time)) \(event.sagaId.prefix(8)) \(event.sagaType) #\(event.sequence) \(event.event.rawValue)\(step)\(phase)\(attempt) [\(event.state.rawValue)\(paused)]\(reason)"
        return paint(text, Self.colour(of: event.event))
    }

    /// The line that closes a saga: how it ended, how long it took when its start was seen,
    /// and why it turned around or what the operator must do.
    func summary(_ tally: SagaTally, ended event: ProgressEvent) -> String {
        var text = "=> \(event.sagaId.prefix(8)) \(event.sagaType) \(event.state.rawValue)"
        if let started = tally.startedAt {
            text += " in \(Self.elapsed(milliseconds: event.time.milliseconds - started.milliseconds))"
        }
        text += ", \(tally.events) event\(tally.events == 1 ? "" : "s")"
        switch event.state {
        case .compensated:
            if let why = tally.turnedBecause { text += " — \(why)" }
        case .failed:
            text += " — \(event.reason ?? tally.turnedBecause ?? "compensation refused"); needs an operator: saga retry \(event.sagaId) STEP, or saga compensate \(event.sagaId) --step STEP"
        default:
            break
        }
        let colour = event.state == .completed ? Colour.green : event.state == .failed ? Colour.red : Colour.yellow
        return paint(text, colour, bold: true)
    }

    // MARK: - Pieces

    private enum Colour: String {
        case green = "32", yellow = "33", red = "31", dim = "2"
    }

    private static func colour(of kind: ProgressEvent.Kind) -> Colour {
        switch kind {
        case .sagaCompleted, .stepSucceeded: .green
        case .sagaCompensated, .compensationStarted, .stepCompensated, .stepRejected, .stepFailed, .stepTimedOut, .controlRejected, .startRejected: .yellow
        case .sagaFailed, .compensationRefused: .red
        default: .dim
        }
    }

    private func paint(_ text: String, _ colour: Colour, bold: Bool = false) -> String {
        guard colours else { return text }
        return "\u{1B}[\(bold ? "1;" : "")\(colour.rawValue)m\(text)\u{1B}[0m"
    }

    /// The local time of day with milliseconds, `14:03:27.512`.
    static func clock(_ time: SagaTime) -> String {
        var seconds = time_t(time.milliseconds / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, Int(time.milliseconds % 1000))
    }

    /// `840 ms`, `3.2 s`, `4 min 05 s`.
    static func elapsed(milliseconds: Int64) -> String {
        if milliseconds < 1000 { return "\(max(0, milliseconds)) ms" }
        if milliseconds < 60_000 { return String(format: "%.1f s", Double(milliseconds) / 1000) }
        return String(format: "%d min %02d s", milliseconds / 60_000, (milliseconds % 60_000) / 1000)
    }
}

/// What a printer remembers of a saga between its first event and its end.
struct SagaTally: Sendable {
    /// When it started, if its `sagaStarted` event was seen.
    var startedAt: SagaTime?
    /// Why it turned around, from its `compensationStarted` event.
    var turnedBecause: String?
    /// How many of its events were seen.
    var events = 0

    /// The events that settle a saga, after which its summary is printed.
    static let closingKinds: Set<ProgressEvent.Kind> = [.sagaCompleted, .sagaCompensated, .sagaFailed]

    mutating func count(_ event: ProgressEvent) {
        events += 1
        if event.event == .sagaStarted { startedAt = event.time }
        if event.event == .compensationStarted { turnedBecause = event.reason }
    }
}
