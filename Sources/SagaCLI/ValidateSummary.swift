import SagaCore

/// The human summary `saga validate` prints for a valid definition.
struct ValidateSummary {
    let file: String
    let plan: SagaPlan

    var text: String {
        let definition = plan.definition
        var lines = ["\(file): ok: \(definition.type) v\(definition.version), \(definition.steps.count) step\(definition.steps.count == 1 ? "" : "s"), deadline \(definition.deadline)"]
        lines.append("  steps:")
        for step in definition.steps {
            let phases = [("pending", StepPhases.execute), ("verify", .verify), ("approve", .approve)]
                .filter { step.phases.contains($0.1) }.map(\.0).joined(separator: ",")
            let after = step.dependsOn.isEmpty ? "" : " after \(step.dependsOn.joined(separator: ", "))"
            lines.append("    \(step.name) -> \(step.topic)\(after) [\(phases)] timeout \(step.timeout), "
                + "retry \(step.retry.maxAttempts)x \(step.retry.initialBackoff)..\(step.retry.maxBackoff), "
                + "compensation \(step.compensationRetry.maxAttempts)x")
        }
        lines.append("  execution order:")
        for (number, layer) in plan.layerNames.enumerated() {
            lines.append("    \(number + 1). \(layer.joined(separator: " | "))")
        }
        return lines.joined(separator: "\n")
    }
}
