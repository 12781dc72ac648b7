import ArgumentParser
import Foundation
import SagaCore

/// `saga validate FILE...`: checks saga definition files and prints every problem, or a summary of each.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate saga definition files.",
        discussion: """
            Problems are printed to standard error as `file:line: field: message`, all of them, and the \
            command exits with status 1. A valid file prints its type, version, steps and execution order \
            (layers of steps that run in parallel) to standard output.
            """
    )

    @Argument(help: "Saga definition files (YAML).")
    var files: [String]

    func run() async throws {
        var registry = SagaRegistry()
        var problems = 0
        for file in files {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                printError("\(file):0: : cannot read the file: \(error.localizedDescription)")
                problems += 1
                continue
            }
            let result = SagaDefinition.parse(yaml: text, file: file)
            guard let definition = result.definition else {
                for issue in result.issues { printError(issue.description) }
                problems += result.issues.count
                continue
            }
            do {
                let plan = try registry.register(definition)
                print(ValidateSummary(file: file, plan: plan).text)
            } catch {
                printError("\(file):1: version: \(error.message)")
                problems += 1
            }
        }
        if problems > 0 {
            printError("\(problems) problem\(problems == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
