import Kafka
import SagaRuntime
import SagaStore

/// The errors of the libraries as one plain sentence for a person, with what to do next —
/// never a type name or a Foundation error code.
enum PlainErrors {
    /// The sentence for `error`, or `nil` for the errors the argument parser reports itself
    /// (usage errors, exit codes, help).
    static func sentence(for error: any Error) -> String? {
        switch error {
        case let error as OrchestratorError:
            return orchestrator(error)
        case let error as SagaStoreError:
            return "the saga store failed: \(error.message): check the store URL (--store, SAGA_STORE) and that the database runs"
        case let error as KafkaError:
            return "Kafka: \(error.message)"
        case let problems as DefinitionProblems:
            return problems.description + "\nsaga validate PATH shows each definition's problems"
        case let problem as DefinitionFiles.Problem:
            return problem.description
        default:
            return nil
        }
    }

    private static func orchestrator(_ error: OrchestratorError) -> String {
        let cause = error.cause.map(causeText)
        let stated = error.message + (cause.map { ": \($0)" } ?? "")
        switch error.shortDescription {
        case "kafka":
            if let kafka = error.cause as? KafkaError,
               ["_ALL_BROKERS_DOWN", "_TRANSPORT", "_TIMED_OUT"].contains(kafka.rdKafkaCodeName ?? "") {
                return "\(error.message): nothing answers there. Start the broker, or name the right one with --bootstrap-servers or SAGA_BOOTSTRAP_SERVERS"
            }
            return "\(stated). Check the Kafka settings (--config, SAGA_KAFKA_*, -X) and that the cluster runs"
        case "store":
            return "\(stated). Check the store URL (--store, SAGA_STORE) and that the database runs"
        default:
            return stated
        }
    }

    private static func causeText(_ cause: any Error) -> String {
        switch cause {
        case let error as KafkaError: error.message
        case let error as SagaStoreError: error.message
        case let error as OrchestratorError: error.message
        default: "\(cause)"
        }
    }
}
