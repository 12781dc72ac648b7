import Foundation
import Logging
import SagaHTTPTestKit

/// A logger that says only errors (or `SAGA_TEST_LOG`'s level), for parts a test makes outside
/// its ``HTTPTestRun``.
let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["SAGA_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

typealias TestFailure = HTTPTestFailure

func require_<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw TestFailure("missing: \(what)") }
    return value
}
