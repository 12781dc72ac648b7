import SagaCore
import SagaParticipant
import Synchronization

/// The payment service of the "user update" saga (`examples/definitions/user-update.yaml`): it
/// charges the fee of a profile change, as an authorization held in pending and captured in approve.
///
/// - pending: holds `amount` (a whole number, 0 or more, from the payload) for the user (the user
///   step's output `userId`); rejects an amount over ``limit``. Output:
///   `{"authorizationId": ..., "amount": ...}`.
/// - verify: succeeds while the hold exists, rejects when it is gone.
/// - approve: captures the hold: the user's charged total grows by the amount.
/// - compensate: releases the hold, if any.
///
/// State is in memory: an example, not a ledger.
public final class PaymentService: Sendable {
    private struct Hold {
        var userID: String
        var amount: Int64
    }

    private struct State {
        /// Held amounts by saga id.
        var holds: [String: Hold] = [:]
        var charged: [String: Int64] = [:]
    }

    /// The command topic of the payment service in the example definitions.
    public static let topic = "demo.payments"

    /// The largest amount one change may cost.
    public let limit: Int64
    private let state = Mutex(State())

    /// - Parameter limit: the largest amount one change may cost. Default 10,000.
    public init(limit: Int64 = 10_000) {
        self.limit = limit
    }

    /// The total captured for `userID`.
    public func charged(_ userID: String) -> Int64 {
        state.withLock { $0.charged[userID] ?? 0 }
    }

    /// How many holds are open (neither captured nor released).
    public var openHolds: Int { state.withLock { $0.holds.count } }

    /// The handlers of the four phases.
    public var handlers: ParticipantHandlers {
        ParticipantHandlers(
            pending: { request in self.hold(request) },
            verify: { request in
                self.state.withLock { $0.holds[request.sagaId] } != nil ? .success() : .reject("the authorization is gone")
            },
            approve: { request in
                self.state.withLock { state in
                    if let hold = state.holds.removeValue(forKey: request.sagaId) { state.charged[hold.userID, default: 0] += hold.amount }
                }
                return .success()
            },
            compensate: { request in
                _ = self.state.withLock { $0.holds.removeValue(forKey: request.sagaId) }
                return .success()
            }
        )
    }

    private func hold(_ request: ParticipantRequest) -> ParticipantAnswer {
        let userID = request.dependencyOutputs["user"]?.objectValue?["userId"]?.stringValue
            ?? request.payload.objectValue?["userId"]?.stringValue
        guard let userID else { return .reject("no userId in the payload or the user step's output") }
        guard case .int(let amount)? = request.payload.objectValue?["amount"], amount >= 0 else {
            return .reject("the payload needs an amount: a whole number, 0 or more")
        }
        guard amount <= limit else { return .reject("amount \(amount) is over the limit of \(limit)") }
        state.withLock { $0.holds[request.sagaId] = Hold(userID: userID, amount: amount) }
        return .success(output: ["authorizationId": .string("auth-\(request.sagaId.prefix(8))"), "amount": .int(amount)])
    }
}
