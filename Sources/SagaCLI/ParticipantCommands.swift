import ArgumentParser

/// `saga participant`: runs participant services.
struct ParticipantCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "participant",
        abstract: "Run participant services.",
        subcommands: [ExampleParticipantCommand.self]
    )
}
