/// A filter for ``SagaStore/listSagas(_:)``, for operators.
public struct SagaQuery: Sendable, Hashable {
    /// The order of results by update time.
    public struct Order: Sendable, Hashable {
        fileprivate let newestFirst: Bool
        /// Most recently updated first (the default).
        public static let newestFirst = Order(newestFirst: true)
        /// Least recently updated first.
        public static let oldestFirst = Order(newestFirst: false)
        /// Whether this is ``newestFirst``.
        public var isNewestFirst: Bool { newestFirst }
    }

    /// Only sagas with one of these statuses; empty (the default) means any status.
    public var statuses: Set<String>
    /// Only sagas of this type; `nil` (the default) means any type.
    public var type: String?
    /// At most this many sagas. Default 100.
    public var limit: Int
    /// The order by update time (ties broken by id). Default ``Order/newestFirst``.
    public var order: Order
    /// Only sagas started with this business key; `nil` (the default) means any.
    public var businessKey: String?
    /// Only sagas whose id starts with this (the short id the CLI prints); `nil` (the default)
    /// means any.
    public var idPrefix: String?
    /// Only sagas after this position in the ``order`` (the last saga of the previous page);
    /// `nil` (the default) starts at the beginning. How pages are walked.
    public var after: Position?

    /// A place in the listing: a saga's update time and id.
    public struct Position: Sendable, Hashable {
        /// The saga's update time, in milliseconds since the epoch.
        public var updatedAt: Int64
        /// The saga's id (breaks ties between equal update times).
        public var id: String

        /// The position of a saga with this update time and id.
        public init(updatedAt: Int64, id: String) {
            self.updatedAt = updatedAt
            self.id = id
        }
    }

    /// Makes a query; see the properties for the defaults.
    public init(
        statuses: Set<String> = [], type: String? = nil, limit: Int = 100, order: Order = .newestFirst,
        businessKey: String? = nil, idPrefix: String? = nil, after: Position? = nil
    ) {
        self.idPrefix = idPrefix
        self.statuses = statuses
        self.type = type
        self.limit = limit
        self.order = order
        self.businessKey = businessKey
        self.after = after
    }

    /// Stores list active and finished sagas with one bounded query each (each through its own
    /// partial index; no index covers the update time of all sagas, so that a transition changes
    /// no indexed column). This merges the two parts into the query's order and limit.
    func merged(_ active: [SagaRecord], _ finished: [SagaRecord]) -> [SagaRecord] {
        let newestFirst = order.isNewestFirst
        let all = (active + finished).sorted { a, b in
            if a.updatedAt != b.updatedAt { return newestFirst ? a.updatedAt > b.updatedAt : a.updatedAt < b.updatedAt }
            return newestFirst ? a.id > b.id : a.id < b.id
        }
        return Array(all.prefix(limit))
    }
}
