extension SagaDefinition {
    /// Checks the definition and returns every problem found (empty when it is valid).
    ///
    /// - Parameters:
    ///   - file: the file name to put in each issue.
    ///   - lines: the line of each field path, when the definition came from a file.
    public func validate(file: String = "<code>", lines: [String: Int] = [:]) -> [DefinitionIssue] {
        var issues: [DefinitionIssue] = []
        func report(_ field: String, _ message: String) {
            issues.append(DefinitionIssue(file: file, line: line(of: field, in: lines), field: field, message: message))
        }
        if type.isEmpty { report("type", "must not be empty") }
        if version < 1 { report("version", "must be 1 or more, not \(version)") }
        if deadline.milliseconds <= 0 { report("deadline", "must be longer than 0ms") }
        if steps.isEmpty { report("steps", "a saga needs at least one step") }

        var firstIndex: [String: Int] = [:]
        for (index, step) in steps.enumerated() {
            let prefix = "steps[\(index)]"
            if step.name.isEmpty { report("\(prefix).name", "must not be empty") }
            if let earlier = firstIndex[step.name] {
                report("\(prefix).name", "duplicate step name '\(step.name)' (also steps[\(earlier)])")
            } else {
                firstIndex[step.name] = index
            }
            if step.topic.isEmpty { report("\(prefix).topic", "must not be empty") }
            if !step.phases.contains(.execute) { report("\(prefix).phases", "must include pending: every step is sent a pending command") }
            if step.timeout.milliseconds <= 0 { report("\(prefix).timeout", "must be longer than 0ms") }
            check(step.retry, "\(prefix).retry", report)
            check(step.compensationRetry, "\(prefix).compensationRetry", report)
        }
        for (index, step) in steps.enumerated() {
            var seen: Set<String> = []
            for (position, dependency) in step.dependsOn.enumerated() {
                let field = "steps[\(index)].dependsOn[\(position)]"
                if firstIndex[dependency] == nil {
                    report(field, "unknown step '\(dependency)'; known steps: \(steps.map(\.name).joined(separator: ", "))")
                } else if !seen.insert(dependency).inserted {
                    report(field, "'\(dependency)' is listed twice")
                }
            }
        }
        for cycle in dependencyCycles(firstIndex: firstIndex) {
            let names = cycle.map { steps[$0].name }
            report("steps[\(cycle[0])].dependsOn", "dependency cycle: \((names + [names[0]]).joined(separator: " -> ")) (each depends on the next)")
        }
        return issues
    }

    private func check(_ policy: RetryPolicy, _ field: String, _ report: (String, String) -> Void) {
        if policy.maxAttempts < 1 { report("\(field).maxAttempts", "must be 1 or more, not \(policy.maxAttempts)") }
        if policy.initialBackoff.milliseconds < 0 { report("\(field).initialBackoff", "must not be negative") }
        if !(policy.multiplier >= 1) { report("\(field).multiplier", "must be 1.0 or more, not \(policy.multiplier)") }
        if policy.maxBackoff < policy.initialBackoff {
            report("\(field).maxBackoff", "must be at least initialBackoff (\(policy.initialBackoff))")
        }
        if !(0...1).contains(policy.jitter) { report("\(field).jitter", "must be between 0 and 1, not \(policy.jitter)") }
    }

    /// The line of `field`, or of its closest enclosing field that has one.
    private func line(of field: String, in lines: [String: Int]) -> Int {
        var path = Substring(field)
        while true {
            if let line = lines[String(path)] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return lines[""] ?? 0 }
            path = path[..<cut]
        }
    }

    /// Each elementary cycle found by a depth-first search, as step indices in dependency order; one per back edge.
    private func dependencyCycles(firstIndex: [String: Int]) -> [[Int]] {
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var color = [UInt8](repeating: 0, count: steps.count)
        var path: [Int] = []
        var cycles: [[Int]] = []
        func visit(_ node: Int) {
            color[node] = 1
            path.append(node)
            for dependency in steps[node].dependsOn {
                guard let next = firstIndex[dependency] else { continue }
                if color[next] == 1, let start = path.firstIndex(of: next) {
                    // path[start...] runs from `next` down to `node`, each depending on the one after it.
                    cycles.append(Array(path[start...]))
                } else if color[next] == 0 {
                    visit(next)
                }
            }
            path.removeLast()
            color[node] = 2
        }
        for node in steps.indices where color[node] == 0 && firstIndex[steps[node].name] == node {
            visit(node)
        }
        return cycles
    }
}
