import ArgumentParser
import SagaCore

/// A command that publishes one operator control: it names the action, the rest is shared.
protocol ControlCommandLine: AsyncParsableCommand {
    /// The action it asks for.
    static var action: ControlCommand.Action { get }
    /// The saga and why.
    var subject: ControlSubject { get }
    /// The step the control is about, for the controls that name one.
    var controlledStep: String? { get }
    /// Where to send it and whether to wait.
    var control: ControlOptions { get }
}

/// The arguments every control command starts with: the saga and why.
struct ControlSubject: ParsableArguments {
    @Argument(help: "The saga id, or its first characters (resolved in the orchestrator's store, see --store).")
    var id: String

    @Option(help: "Why, for the progress events and the saga's record.")
    var reason: String?
}

extension ControlCommandLine {
    var controlledStep: String? { nil }

    /// The control to publish.
    var command: ControlCommand {
        ControlCommand(sagaId: subject.id, action: Self.action, step: controlledStep, reason: subject.reason)
    }

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

    static let action = ControlCommand.Action.cancel

    @OptionGroup var subject: ControlSubject

    @OptionGroup var control: ControlOptions
}

/// `saga pause ID`: send no new commands until resumed.
struct PauseCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a saga: no new commands are sent until it is resumed; replies are still recorded."
    )

    static let action = ControlCommand.Action.pause

    @OptionGroup var subject: ControlSubject

    @OptionGroup var control: ControlOptions
}

/// `saga resume ID`: undo a pause.
struct ResumeCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused saga: what became due while it was paused is sent."
    )

    static let action = ControlCommand.Action.resume

    @OptionGroup var subject: ControlSubject

    @OptionGroup var control: ControlOptions
}

/// `saga retry ID STEP`: retry a step now.
struct RetryCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Retry a step now.",
        discussion: "A step waiting out its backoff is sent at once; a step that refused compensation gets a fresh round of attempts."
    )

    static let action = ControlCommand.Action.retry

    @OptionGroup var subject: ControlSubject

    @Argument(help: "The step, as named in the saga definition.")
    var step: String

    @OptionGroup var control: ControlOptions

    var controlledStep: String? { step }
}

/// `saga compensate ID [--step S]`: compensate now, or mark a refused compensation done by hand.
struct CompensateCommand: ControlCommandLine {
    static let configuration = CommandConfiguration(
        commandName: "compensate",
        abstract: "Compensate a saga now, or with --step mark that step's refused compensation as done by hand.",
        discussion: "Use --step after undoing the step's effect yourself, when its participant refused compensation for good (the saga is failed)."
    )

    static let action = ControlCommand.Action.compensate

    @OptionGroup var subject: ControlSubject

    @Option(help: "The step whose refused compensation was done by hand.")
    var step: String?

    @OptionGroup var control: ControlOptions

    var controlledStep: String? { step }
}
