import ArgumentParser
import Foundation

/// The exit statuses of the operator commands (`start`, `watch`, `status`, `list` and the
/// controls), documented in `saga help`.
enum OperatorExit {
    /// Done; `--wait`: the saga completed, or the control was applied.
    static let success = ExitCode(0)
    /// Something went wrong that the message explains (the store cannot be opened, a message
    /// was not delivered, ...).
    static let error = ExitCode(1)
    /// `--wait`: the saga was compensated.
    static let compensated = ExitCode(2)
    /// `--wait`: the saga failed: a participant refused compensation and an operator must act.
    static let failed = ExitCode(3)
    /// `--wait`: the bound passed before the saga settled.
    static let timedOut = ExitCode(4)
    /// There is no saga with that id.
    static let noSuchSaga = ExitCode(5)
    /// The orchestrator refused the start or control (rejected, or sent to the dead-letter topic).
    static let refused = ExitCode(6)
    /// The Kafka cluster did not answer within `--connect-timeout`.
    static let unreachable = ExitCode(69)

    /// The table for the root command's help.
    static let table = """
        EXIT STATUS of start, watch, status, list and the controls
          0   success; --wait: the saga completed, or the control was applied
              (cancel: and the saga ended compensated)
          1   an error the message explains (no store, a send failed, ...)
          2   start --wait: the saga was compensated
          3   --wait: the saga failed: a participant refused compensation;
              retry the step (saga retry ID STEP) or mark it done by hand
              (saga compensate ID --step STEP)
          4   --wait: --timeout passed before the saga settled
          5   no such saga (status; a control with --wait)
          6   the orchestrator refused the start or control (rejected, or
              sent to the dead-letter topic)
          64  bad arguments: a usage message is printed
          69  the Kafka cluster did not answer within --connect-timeout
        """
}

/// A failure of an operator command: what to tell the operator, and the exit status that
/// says what kind of failure it was.
struct OperatorFailure: Error, CustomStringConvertible {
    /// What went wrong, for a person.
    let message: String
    /// The exit status.
    let status: ExitCode

    init(_ message: String, status: ExitCode = OperatorExit.error) {
        self.message = message
        self.status = status
    }

    var description: String { message }
}

/// Runs an operator command's body: an ``OperatorFailure`` is printed to standard error as
/// `saga: message` and ends the process with its status; argument errors and exit codes pass
/// through to the argument parser unchanged.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as OperatorFailure {
        writeError("saga: \(failure.message)")
        throw failure.status
    }
}

/// Writes a line to standard error at once.
func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
