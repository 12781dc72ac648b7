import ArgumentParser

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate saga definition files."
    )

    func run() async throws {
        throw ValidationError("'validate' is not built yet")
    }
}
