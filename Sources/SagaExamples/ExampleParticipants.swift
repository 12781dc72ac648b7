import Logging
import SagaParticipant
import SagaStore

/// The example participants together: the user and payment services of the "user update" saga and
/// the controllable participant, as `saga dev` runs them.
public struct ExampleParticipants: Sendable {
    /// The user service (topic ``UserService/topic``).
    public let users: UserService
    /// The payment service (topic ``PaymentService/topic``).
    public let payments: PaymentService
    /// The controllable participant (topic ``ControllableParticipant/topic``).
    public let controllable: ControllableParticipant

    /// Every command topic of the example definitions.
    public static let commandTopics = [UserService.topic, PaymentService.topic, ControllableParticipant.topic]

    /// - Parameters:
    ///   - users: the user service.
    ///   - payments: the payment service.
    ///   - controllable: the controllable participant.
    public init(users: UserService = UserService(), payments: PaymentService = PaymentService(), controllable: ControllableParticipant = ControllableParticipant()) {
        self.users = users
        self.payments = payments
        self.controllable = controllable
    }

    /// One ``ParticipantService`` per participant, named `user-service`, `payment-service` and
    /// `controllable-participant`.
    /// - Parameters:
    ///   - configuration: the configuration of the participant with this name and command topic.
    ///   - dedupe: the dedupe store they share (records are kept apart by participant name).
    ///   - logger: where they log.
    public func services(
        configuration: (_ name: String, _ topic: String) -> ParticipantConfiguration,
        dedupe: any ParticipantDedupeStore,
        logger: Logger
    ) -> [ParticipantService] {
        [
            ("user-service", UserService.topic, users.handlers),
            ("payment-service", PaymentService.topic, payments.handlers),
            ("controllable-participant", ControllableParticipant.topic, controllable.handlers),
        ].map { name, topic, handlers in
            ParticipantService(configuration: configuration(name, topic), handlers: handlers, dedupe: dedupe, logger: logger)
        }
    }
}
