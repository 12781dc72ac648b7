import ArgumentParser
import Foundation
import SagaRuntime

/// `saga definitions`: the saga types the orchestrators run, as they published them.
struct DefinitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "definitions",
        abstract: "List the saga definitions the orchestrators run.",
        discussion: """
            Reads <prefix>definitions, where every orchestrator publishes the definitions it loaded \
            when it starts (keyed type@version): each type, version and its steps in order, with \
            what each depends on. Exits 1 when none were published (no orchestrator started yet).
            """
    )

    @Flag(help: "Print a JSON array of definitions, as published.")
    var json = false

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        try await reportingFailures {
            let cluster = try self.cluster.resolve()
            try await cluster.checkReachable()
            let definitions = try await PublishedDefinitions.read(from: cluster) ?? []
            if json {
                try writeJSONLine(definitions)
                return
            }
            guard !definitions.isEmpty else {
                throw OperatorFailure("no saga definitions on \(cluster.topics.definitions): start an orchestrator with --definitions DIR (it publishes them when it starts)")
            }
            let rows = [["TYPE", "VERSION", "STEPS"]] + definitions.map { definition in
                [definition.type, "\(definition.version)", definition.steps.map { step in
                    step.name + (step.dependsOn.isEmpty ? "" : " (after \(step.dependsOn.joined(separator: ", ")))")
                }.joined(separator: ", ")]
            }
            for line in tableLines(rows) { writeLine(line) }
        }
    }
}
