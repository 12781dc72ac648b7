import ArgumentParser
import Foundation
import SagaCore

/// `saga validate PATH...`: checks saga definition files (or every one in a directory) and prints
/// every problem, or a summary of each.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate saga definition files.",
        discussion: """
            Each path is a file, or a directory whose .yaml and .yml files are all validated (as \
            --definitions reads them). Problems are printed to standard error as `file:line: field: message`, all of them, and the \
            command exits with status 1. A valid file prints its type, version, steps and execution order \
            (layers of steps that run in parallel) to standard output.
            """
    )

    @Argument(help: "Saga definition files (YAML), or directories of them.")
    var files: [String]

    func run() async throws {
        var registry = SagaRegistry()
        let (found, missing) = DefinitionFiles.expand(files)
        var problems = missing.count
        for problem in missing { printError("\(problem.path):0: : \(problem.reason)") }
        for file in found {
            let text: String
            do {
                text = try DefinitionFiles.read(file)
            } catch {
                printError("\(file):0: : \(error.reason)")
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
