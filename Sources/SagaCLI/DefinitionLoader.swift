import ArgumentParser
import Foundation
import SagaCore

/// Loads saga definition files for the commands that run sagas.
enum DefinitionLoader {
    /// Loads every `.yaml` and `.yml` file of `paths` (files, or directories read one level deep)
    /// into a registry.
    /// - Throws: a ``DefinitionProblems`` listing every problem as `file:line: field: message`.
    static func registry(from paths: [String]) throws -> SagaRegistry {
        let (files, missing) = DefinitionFiles.expand(paths)
        if let problem = missing.first {
            throw ValidationError("definitions: \(problem)")
        }
        guard !files.isEmpty else {
            throw ValidationError("definitions: no .yaml or .yml files in \(paths.joined(separator: ", "))")
        }
        var registry = SagaRegistry()
        var problems: [String] = []
        for file in files {
            let text: String
            do {
                text = try DefinitionFiles.read(file)
            } catch {
                problems.append("\(file):0: : \(error.reason)")
                continue
            }
            let result = SagaDefinition.parse(yaml: text, file: file)
            guard let definition = result.definition else {
                problems += result.issues.map(\.description)
                continue
            }
            do {
                try registry.register(definition)
            } catch {
                problems.append("\(file):1: version: \(error.message)")
            }
        }
        if !problems.isEmpty {
            throw DefinitionProblems(lines: problems)
        }
        return registry
    }
}

/// Saga definition files that cannot be used: each problem as `file:line: field: message`.
struct DefinitionProblems: Error, CustomStringConvertible {
    var lines: [String]

    var description: String {
        "saga definitions have \(lines.count) problem\(lines.count == 1 ? "" : "s"):\n" + lines.joined(separator: "\n")
    }
}
