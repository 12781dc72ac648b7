import SagaCore
import SagaParticipant
import Synchronization

/// The user service of the "user update" saga (`examples/definitions/user-update.yaml`): it keeps
/// user profiles and changes one in the saga's phases.
///
/// - pending: checks the payload (`userId`, `email`, optional `name`) and stages the new profile;
///   rejects an email address without `@`; answers failed-retryable while another saga has a change
///   of the same user staged. Output: `{"userId": ..., "previousEmail": ... or null}`.
/// - verify: succeeds while the change is staged, rejects when it is gone.
/// - approve: applies the staged change (a user not seen before is created).
/// - compensate: drops the staged change, if any.
///
/// State is in memory: an example, not a store.
public final class UserService: Sendable {
    /// A user's profile.
    public struct Profile: Sendable, Hashable {
        /// The email address.
        public var email: String
        /// The display name, if any.
        public var name: String?

        /// - Parameters:
        ///   - email: the email address.
        ///   - name: the display name.
        public init(email: String, name: String? = nil) {
            self.email = email
            self.name = name
        }
    }

    private struct Change {
        var userID: String
        var profile: Profile
    }

    private struct State {
        var profiles: [String: Profile]
        /// Staged changes by saga id.
        var staged: [String: Change] = [:]
    }

    /// The command topic of the user service in the example definitions.
    public static let topic = "demo.users"

    private let state: Mutex<State>

    /// - Parameter profiles: the users known at start, by user id.
    public init(profiles: [String: Profile] = [:]) {
        state = Mutex(State(profiles: profiles))
    }

    /// The profile of `userID` as applied (staged changes are not visible).
    public func profile(of userID: String) -> Profile? {
        state.withLock { $0.profiles[userID] }
    }

    /// How many changes are staged and neither applied nor dropped.
    public var stagedChanges: Int { state.withLock { $0.staged.count } }

    /// The handlers of the four phases.
    public var handlers: ParticipantHandlers {
        ParticipantHandlers(
            pending: { request in self.stage(request) },
            verify: { request in
                self.state.withLock { $0.staged[request.sagaId] } != nil ? .success() : .reject("no staged change for this saga")
            },
            approve: { request in
                self.state.withLock { state in
                    if let change = state.staged.removeValue(forKey: request.sagaId) { state.profiles[change.userID] = change.profile }
                }
                return .success()
            },
            compensate: { request in
                _ = self.state.withLock { $0.staged.removeValue(forKey: request.sagaId) }
                return .success()
            }
        )
    }

    private func stage(_ request: ParticipantRequest) -> ParticipantAnswer {
        let fields = request.payload.objectValue ?? [:]
        guard let userID = fields["userId"]?.stringValue, !userID.isEmpty else { return .reject("the payload needs a userId string") }
        guard let email = fields["email"]?.stringValue, email.contains("@") else {
            return .reject("'\(fields["email"]?.stringValue ?? "")' is not an email address")
        }
        let change = Change(userID: userID, profile: Profile(email: email, name: fields["name"]?.stringValue))
        return state.withLock { state in
            if let (other, _) = state.staged.first(where: { $0.value.userID == userID && $0.key != request.sagaId }) {
                return .retry("user \(userID) has a change in progress (saga \(other))")
            }
            state.staged[request.sagaId] = change
            let previous: JSONValue = state.profiles[userID].map { .string($0.email) } ?? .null
            return .success(output: ["userId": .string(userID), "previousEmail": previous])
        }
    }
}
