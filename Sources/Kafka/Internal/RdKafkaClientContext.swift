import CRdKafka
import Logging
import Synchronization

/// The Swift state that librdkafka's C callbacks reach through the handle's opaque pointer.
///
/// Callbacks may run on librdkafka's own threads (the log and error callbacks), so everything
/// here is immutable or behind a `Mutex`. Its lifetime is tied to the ``RdKafkaHandle`` that
/// retains it until after `rd_kafka_destroy` returns, so the opaque pointer never dangles.
package final class RdKafkaClientContext: Sendable {
    package let logger: Logger
    /// The consumer's own state, for a consumer's handle.
    let consumer: ConsumerState?
    private let fatal = Mutex<KafkaError?>(nil)
    private let allBrokersDown = Mutex<ContinuousClock.Instant?>(nil)

    init(logger: Logger, consumer: ConsumerState? = nil) {
        self.logger = logger
        self.consumer = consumer
    }

    package convenience init(logger: Logger) {
        self.init(logger: logger, consumer: nil)
    }

    /// The fatal error this client raised, if any.
    package var fatalError: KafkaError? { fatal.withLock { $0 } }

    package func recordFatal(_ error: KafkaError) {
        fatal.withLock { if $0 == nil { $0 = error } }
    }

    /// When librdkafka last reported every broker down (`_ALL_BROKERS_DOWN`), if ever.
    package var lastAllBrokersDown: ContinuousClock.Instant? { allBrokersDown.withLock { $0 } }

    func recordAllBrokersDown() {
        allBrokersDown.withLock { $0 = .now }
    }

    /// Installs the log and error callbacks and this context as the conf's opaque pointer.
    package func install(on conf: RdKafkaConfiguration) {
        guard let pointer = conf.pointer else { return }
        rd_kafka_conf_set_opaque(pointer, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(pointer, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(pointer, rdKafkaErrorCallback)
    }

    package static func from(_ opaque: UnsafeMutableRawPointer?) -> RdKafkaClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<RdKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// librdkafka's syslog levels to swift-log levels.
private func logLevel(_ syslogLevel: Int32) -> Logger.Level {
    switch syslogLevel {
    case ...2: .critical
    case 3: .error
    case 4: .warning
    case 5: .notice
    case 6: .info
    default: .debug
    }
}

/// Runs on librdkafka's internal threads: touches only the immutable logger. librdkafka's own
/// lines are at debug level whatever their syslog level (kept as `rdkafka.level`): the client
/// reports what matters as errors, and a person sees them with a debug log level only.
private func rdKafkaLogCallback(
    handle: OpaquePointer?, level: Int32, facility: UnsafePointer<CChar>?,
    buffer: UnsafePointer<CChar>?
) {
    guard let handle, let context = RdKafkaClientContext.from(rd_kafka_opaque(handle)) else { return }
    let facility = facility.map { String(cString: $0) } ?? "?"
    let text = buffer.map { String(cString: $0) } ?? ""
    context.logger.log(
        level: .debug, "\(text)",
        metadata: [
            "rdkafka.facility": "\(facility)", "rdkafka.client": "\(String(cString: rd_kafka_name(handle)))",
            "rdkafka.level": "\(logLevel(level))",
        ],
        source: "librdkafka")
}

/// Error events (broker down, fatal errors). A fatal error is recorded so that the owner surfaces
/// it on every later call; it is never only logged.
private func rdKafkaErrorCallback(
    handle: OpaquePointer?, err: Int32, reason: UnsafePointer<CChar>?, opaque: UnsafeMutableRawPointer?
) {
    guard let context = RdKafkaClientContext.from(opaque) else { return }
    let code = rd_kafka_resp_err_t(rawValue: err)
    let reasonText = reason.map { String(cString: $0) } ?? ""
    if code == RD_KAFKA_RESP_ERR__FATAL, let handle {
        var errstr = [CChar](repeating: 0, count: 512)
        let original = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        let message = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let error = KafkaError.librdkafka(original, context: "fatal: \(message)", isFatal: true)
        context.recordFatal(error)
        context.logger.critical("librdkafka fatal error: \(message)",
                                metadata: ["rdkafka.code": "\(String(cString: rd_kafka_err2name(original)))"])
    } else {
        if code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN { context.recordAllBrokersDown() }
        // A broker that cannot be reached is retried by librdkafka and said on every attempt: at
        // debug level. That all of them are down is said once per outage, and stays a warning.
        let transient = code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__RESOLVE
        context.logger.log(level: transient ? .debug : .warning, "librdkafka error: \(reasonText)",
                           metadata: ["rdkafka.code": "\(String(cString: rd_kafka_err2name(code)))"])
    }
}
