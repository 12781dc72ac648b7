import ArgumentParser

struct BenchCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Saga core transitions per second and memory per saga."
    )

    func run() async throws {
        throw ValidationError("'core' is not built yet")
    }
}
