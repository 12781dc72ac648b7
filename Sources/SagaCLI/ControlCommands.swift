import ArgumentParser
import SagaCore

/// A command that publishes one operator control: it names the control, the rest is shared.
protocol ControlCommandLine: AsyncParsableCommand {
    /// The control to publish.
    var command: ControlCommand { get }
    /// Where to send it and whether to wait.
    var control: ControlOptions { get }
}

extension ControlCommandLine {
    func validate() throws {
        if let problem = command.validationProblem() { throw ValidationError(problem) }
    }

    func run() async throws {
        try await control.send(command)
    }
}

/// `saga cancel ID`: stop a saga and compensate what it did.
struct CancelCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a saga: it stops going forward and compensates every step sent a pending command.",
        discussion: "Only a saga still going forward (executing, verifying, approving) can be cancelled; the orchestrator rejects the rest."
    )

    @Argument(help: "The saga id.")
    var id: String

    @Option(help: "Why, for the progress events and the saga's record.")
    var reason: String?

    @OptionGroup var control: ControlOptions

    var command: ControlCommand { ControlCommand(sagaId: id, action: .cancel, reason: reason) }
}

/// `saga pause ID`: send no new commands until resumed.
struct PauseCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a saga: no new commands are sent until it is resumed; replies are still recorded."
    )

    @Argument(help: "The saga id.")
    var id: String

    @Option(help: "Why, for the progress events and the saga's record.")
    var reason: String?

    @OptionGroup var control: ControlOptions

    var command: ControlCommand { ControlCommand(sagaId: id, action: .pause, reason: reason) }
}

/// `saga resume ID`: undo a pause.
struct ResumeCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused saga: what became due while it was paused is sent."
    )

    @Argument(help: "The saga id.")
    var id: String

    @Option(help: "Why, for the progress events and the saga's record.")
    var reason: String?

    @OptionGroup var control: ControlOptions

    var command: ControlCommand { ControlCommand(sagaId: id, action: .resume, reason: reason) }
}

/// `saga retry ID STEP`: retry a step now.
struct RetryCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Retry a step now.",
        discussion: "A step waiting out its backoff is sent at once; a step that refused compensation gets a fresh round of attempts."
    )

    @Argument(help: "The saga id.")
    var id: String

    @Argument(help: "The step, as named in the saga definition.")
    var step: String

    @Option(help: "Why, for the progress events and the saga's record.")
    var reason: String?

    @OptionGroup var control: ControlOptions

    var command: ControlCommand { ControlCommand(sagaId: id, action: .retry, step: step, reason: reason) }
}

/// `saga compensate ID [--step S]`: compensate now, or mark a refused compensation done by hand.
struct CompensateCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "compensate",
        abstract: "Compensate a saga now, or with --step mark that step's refused compensation as done by hand.",
        discussion: "Use --step after undoing the step's effect yourself, when its participant refused compensation for good (the saga is failed)."
    )

    @Argument(help: "The saga id.")
    var id: String

    @Option(help: "The step whose refused compensation was done by hand.")
    var step: String?

    @Option(help: "Why, for the progress events and the saga's record.")
    var reason: String?

    @OptionGroup var control: ControlOptions

    var command: ControlCommand { ControlCommand(sagaId: id, action: .compensate, step: step, reason: reason) }
}
