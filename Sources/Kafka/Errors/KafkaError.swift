import CRdKafka

/// The one error type of the Kafka module.
///
/// It carries librdkafka's numeric error code and message where there is one, whether the
/// operation may succeed when retried, and whether the client that raised it is dead (a fatal
/// error: an idempotent producer must then be recreated). ``shortDescription`` holds no dynamic
/// values, so it is safe as a metric label.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set private to this module.
    private enum Code: Sendable, Equatable {
        case configuration
        case clientCreation
        case librdkafka
        case delivery
        case consumer
        case admin
        case timedOut
        case shutDown
        case invalidArgument
    }

    private let code: Code
    /// librdkafka's `rd_kafka_resp_err_t` value, or 0 when the error does not come from librdkafka.
    public let rdKafkaCode: Int32
    /// A human-readable message, usually librdkafka's own.
    public let message: String
    /// `true` when the same operation may succeed if retried (librdkafka's own verdict where it
    /// gives one).
    public let isRetriable: Bool
    /// `true` when the client is no longer usable and must be recreated.
    public let isFatal: Bool
    /// The file the error was made in.
    public let file: String
    /// The line the error was made at.
    public let line: UInt

    private init(
        code: Code, rdKafkaCode: Int32 = 0, message: String, isRetriable: Bool = false,
        isFatal: Bool = false, file: String, line: UInt
    ) {
        self.code = code
        self.rdKafkaCode = rdKafkaCode
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.file = file
        self.line = line
    }

    /// A fixed description with no dynamic values, safe as a metric label.
    public var shortDescription: String {
        switch code {
        case .configuration: "configuration refused"
        case .clientCreation: "client creation failed"
        case .librdkafka: "librdkafka call failed"
        case .delivery: "message delivery failed"
        case .consumer: "consumer error"
        case .admin: "admin request failed"
        case .timedOut: "timed out"
        case .shutDown: "client shut down"
        case .invalidArgument: "invalid argument"
        }
    }

    /// librdkafka's symbolic name for ``rdKafkaCode`` (e.g. `_MSG_TIMED_OUT`), or `nil`.
    public var rdKafkaCodeName: String? {
        guard rdKafkaCode != 0 else { return nil }
        return String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rdKafkaCode)))
    }

    /// The kind, librdkafka's code name, the message and whether it is fatal or retriable.
    public var description: String {
        var text = "KafkaError(\(shortDescription)"
        if let name = rdKafkaCodeName { text += ", \(name)" }
        text += ": \(message)"
        if isFatal { text += ", fatal" } else if isRetriable { text += ", retriable" }
        return text + ")"
    }

    // MARK: - Matching

    /// `true` when both errors are of the same kind and carry the same librdkafka code.
    public func isSameKind(as other: KafkaError) -> Bool {
        code == other.code && rdKafkaCode == other.rdKafkaCode
    }

    /// `true` when the message was not delivered within `message.timeout.ms`.
    public var isMessageTimeout: Bool { rdKafkaCode == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue }
    /// `true` when sending the same message again cannot succeed: it is larger than the producer
    /// or the topic accepts, the broker found it invalid, or its topic or partition does not exist
    /// (after librdkafka waited for the topic to appear) or may not be written. Other messages
    /// may still go through; a fatal error is not one of these.
    public var isPermanentForMessage: Bool {
        guard !isFatal else { return false }
        switch rdKafkaCode {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue,
             RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue,
             RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue,
             RD_KAFKA_RESP_ERR_INVALID_MSG.rawValue,
             RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
             RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue,
             RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue,
             RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue:
            return true
        default:
            return false
        }
    }

    /// `true` when the client was shut down (or closed) before the operation completed.
    public var isShutDown: Bool { code == .shutDown }
    /// `true` when a configuration property was refused.
    public var isConfiguration: Bool { code == .configuration }
    /// `true` when an operation ran out of time.
    public var isTimeout: Bool {
        code == .timedOut || rdKafkaCode == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
            || rdKafkaCode == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue
    }

    // MARK: - Makers (package-internal)

    package static func configuration(
        _ message: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .configuration, rdKafkaCode: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                   message: message, file: file, line: line)
    }

    package static func clientCreation(
        _ message: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .clientCreation, message: message, file: file, line: line)
    }

    /// Takes ownership of `error` and destroys it.
    package static func consuming(
        _ error: OpaquePointer, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        return KafkaError(
            code: .librdkafka,
            rdKafkaCode: rd_kafka_error_code(error).rawValue,
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            file: file, line: line)
    }

    package static func librdkafka(
        _ err: rd_kafka_resp_err_t, context: String? = nil, isFatal: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        make(.librdkafka, err, context: context, isFatal: isFatal, file: file, line: line)
    }

    package static func delivery(
        _ err: rd_kafka_resp_err_t, message: String? = nil, isFatal: Bool = false,
        file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        if let message {
            return KafkaError(code: .delivery, rdKafkaCode: err.rawValue, message: message,
                              isRetriable: !isFatal && isRetriableCode(err), isFatal: isFatal,
                              file: file, line: line)
        }
        return make(.delivery, err, context: nil, isFatal: isFatal, file: file, line: line)
    }

    package static func consumer(
        _ err: rd_kafka_resp_err_t, message: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .consumer, rdKafkaCode: err.rawValue, message: message,
                   isRetriable: isRetriableCode(err), isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
                   file: file, line: line)
    }

    package static func admin(
        _ err: rd_kafka_resp_err_t, message: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .admin, rdKafkaCode: err.rawValue, message: message,
                   isRetriable: isRetriableCode(err), file: file, line: line)
    }

    package static func timedOut(
        _ message: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .timedOut, rdKafkaCode: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
                   message: message, isRetriable: true, file: file, line: line)
    }

    package static func shutDown(
        _ message: String = "the client is shut down", file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .shutDown, rdKafkaCode: RD_KAFKA_RESP_ERR__DESTROY.rawValue,
                   message: message, file: file, line: line)
    }

    package static func invalidArgument(
        _ message: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        KafkaError(code: .invalidArgument, rdKafkaCode: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                   message: message, file: file, line: line)
    }

    private static func make(
        _ code: Code, _ err: rd_kafka_resp_err_t, context: String?, isFatal: Bool,
        file: String, line: UInt
    ) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(err))
        return KafkaError(
            code: code, rdKafkaCode: err.rawValue,
            message: context.map { "\($0): \(text)" } ?? text,
            isRetriable: !isFatal && isRetriableCode(err), isFatal: isFatal,
            file: file, line: line)
    }

    /// Codes that librdkafka or the broker treat as transient. librdkafka only gives a verdict on
    /// `rd_kafka_error_t`, not on a bare `rd_kafka_resp_err_t`, so this list follows the Kafka
    /// protocol's retriable errors plus librdkafka's local transient ones.
    private static func isRetriableCode(_ err: rd_kafka_resp_err_t) -> Bool {
        let retriable: [rd_kafka_resp_err_t] = [
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
            RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE,
            RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
            RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        ]
        return retriable.contains(err)
    }
}
