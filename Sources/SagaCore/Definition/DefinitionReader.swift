import Yams

/// Walks a YAML node tree into a ``SagaDefinition``, noting each field's line and each type problem.
struct DefinitionReader {
    let file: String
    var issues: [DefinitionIssue] = []
    var lines: [String: Int] = [:]

    init(file: String) {
        self.file = file
    }

    mutating func report(_ node: Node?, _ field: String, _ message: String) {
        issues.append(DefinitionIssue(file: file, line: node?.mark?.line ?? lines[field] ?? 0, field: field, message: message))
    }

    func issue(forYAMLError error: any Error) -> DefinitionIssue {
        var line = 0
        var message = "\(error)"
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                line = mark.line
                message = "not valid YAML: \(problem)"
            case .duplicatedKeysInMapping(let duplicates, let context):
                line = context.mark.line
                message = "duplicate keys: \(duplicates.joined(separator: ", "))"
            default:
                message = "not valid YAML: \(yamlError)"
            }
        }
        return DefinitionIssue(file: file, line: line, field: "", message: message)
    }

    /// The pairs of a mapping, with unknown keys reported; nil (and an issue) when the node is not a mapping.
    mutating func mapping(_ node: Node, _ field: String, known: [String]) -> [String: Node]? {
        guard let mapping = node.mapping else {
            report(node, field.isEmpty ? "(document)" : field, "expected a mapping of \(known.joined(separator: ", "))")
            return nil
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string, key.tag.rawValue == Tag.Name.str.rawValue else {
                report(key, field, "keys must be strings")
                continue
            }
            let path = field.isEmpty ? name : "\(field).\(name)"
            guard known.contains(name) else {
                report(key, path, "unknown key '\(name)'; expected one of \(known.joined(separator: ", "))")
                continue
            }
            lines[path] = key.mark?.line
            result[name] = value
        }
        return result
    }

    mutating func string(_ node: Node?, _ field: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar, node.tag.rawValue == Tag.Name.str.rawValue, !scalar.string.isEmpty else {
            report(node, field, "expected a non-empty string")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node?, _ field: String) -> Int? {
        guard let node else { return nil }
        guard node.tag.rawValue == Tag.Name.int.rawValue, let value = node.int else {
            report(node, field, "expected an integer")
            return nil
        }
        return value
    }

    mutating func double(_ node: Node?, _ field: String) -> Double? {
        guard let node else { return nil }
        guard node.tag.rawValue == Tag.Name.int.rawValue || node.tag.rawValue == Tag.Name.float.rawValue, let value = node.float else {
            report(node, field, "expected a number")
            return nil
        }
        return value
    }

    mutating func duration(_ node: Node?, _ field: String) -> SagaDuration? {
        guard let node else { return nil }
        guard node.scalar != nil, let text = node.string, let value = SagaDuration(parsing: text) else {
            report(node, field, "expected a duration such as 500ms, 2s, 5m, 1h or 1d")
            return nil
        }
        return value
    }

    mutating func readDefinition(_ root: Node) -> SagaDefinition {
        lines[""] = root.mark?.line
        var definition = SagaDefinition(type: "", steps: [])
        guard let fields = mapping(root, "", known: ["type", "version", "deadline", "steps"]) else {
            definition.type = "?"
            definition.steps = [StepDefinition(name: "?", topic: "?")]
            return definition
        }
        if let type = fields["type"] {
            definition.type = string(type, "type") ?? "?"
        } else {
            report(root, "type", "missing; name the saga type")
            definition.type = "?"
        }
        if let version = int(fields["version"], "version") { definition.version = version }
        if let deadline = duration(fields["deadline"], "deadline") { definition.deadline = deadline }
        guard let stepsNode = fields["steps"] else {
            report(root, "steps", "missing; a saga needs at least one step")
            definition.steps = [StepDefinition(name: "?", topic: "?")]
            return definition
        }
        guard let sequence = stepsNode.sequence else {
            report(stepsNode, "steps", "expected a list of steps")
            definition.steps = [StepDefinition(name: "?", topic: "?")]
            return definition
        }
        for (index, node) in sequence.enumerated() {
            definition.steps.append(readStep(node, "steps[\(index)]"))
        }
        return definition
    }

    mutating func readStep(_ node: Node, _ field: String) -> StepDefinition {
        lines[field] = node.mark?.line
        // A placeholder that passes the semantic checks, so only the reported problems show.
        var step = StepDefinition(name: field, topic: "?")
        let known = ["name", "topic", "dependsOn", "phases", "timeout", "retry", "compensationRetry"]
        guard let fields = mapping(node, field, known: known) else { return step }
        if let name = fields["name"] { step.name = string(name, "\(field).name") ?? field } else {
            report(node, "\(field).name", "missing; every step needs a name")
        }
        if let topic = fields["topic"] { step.topic = string(topic, "\(field).topic") ?? "?" } else {
            report(node, "\(field).topic", "missing; the participant's command topic")
        }
        if let dependsOn = fields["dependsOn"] {
            if let sequence = dependsOn.sequence {
                for (position, item) in sequence.enumerated() {
                    lines["\(field).dependsOn[\(position)]"] = item.mark?.line
                    if let name = string(item, "\(field).dependsOn[\(position)]") { step.dependsOn.append(name) }
                }
            } else {
                report(dependsOn, "\(field).dependsOn", "expected a list of step names")
            }
        }
        if let phasesNode = fields["phases"] {
            if let sequence = phasesNode.sequence {
                var phases: StepPhases = []
                for (position, item) in sequence.enumerated() {
                    switch item.string {
                    case "pending", "execute": phases.insert(.execute)
                    case "verify": phases.insert(.verify)
                    case "approve": phases.insert(.approve)
                    default: report(item, "\(field).phases[\(position)]", "expected pending, verify or approve")
                    }
                }
                step.phases = phases
            } else {
                report(phasesNode, "\(field).phases", "expected a list such as [pending, verify, approve]")
            }
        }
        if let timeout = duration(fields["timeout"], "\(field).timeout") { step.timeout = timeout }
        if let retry = fields["retry"] { step.retry = readRetry(retry, "\(field).retry", defaults: .stepDefault) }
        if let retry = fields["compensationRetry"] {
            step.compensationRetry = readRetry(retry, "\(field).compensationRetry", defaults: .compensationDefault)
        }
        return step
    }

    mutating func readRetry(_ node: Node, _ field: String, defaults: RetryPolicy) -> RetryPolicy {
        var policy = defaults
        let known = ["maxAttempts", "initialBackoff", "multiplier", "maxBackoff", "jitter"]
        guard let fields = mapping(node, field, known: known) else { return policy }
        if let value = int(fields["maxAttempts"], "\(field).maxAttempts") { policy.maxAttempts = value }
        if let value = duration(fields["initialBackoff"], "\(field).initialBackoff") { policy.initialBackoff = value }
        if let value = double(fields["multiplier"], "\(field).multiplier") { policy.multiplier = value }
        if let value = duration(fields["maxBackoff"], "\(field).maxBackoff") { policy.maxBackoff = value }
        if let value = double(fields["jitter"], "\(field).jitter") { policy.jitter = value }
        return policy
    }
}
