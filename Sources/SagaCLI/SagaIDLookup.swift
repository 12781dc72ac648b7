import SagaStore

/// Resolves the saga id an operator typed — the whole id, or its first characters as `saga dev`
/// and `saga watch` print them — against the orchestrator's store.
enum SagaIDLookup {
    /// The most candidates an ambiguous prefix lists.
    static let listed = 10

    /// The full id of the one saga `given` names: `given` itself when the store has that saga,
    /// else the one saga whose id starts with it.
    /// - Throws: ``OperatorFailure``: with ``OperatorExit/noSuchSaga`` when no saga matches; a
    ///   plain one listing the candidates when several do; `SagaStoreError` when reading fails.
    static func resolve(_ given: String, in store: any SagaStore) async throws -> String {
        if try await store.saga(id: given) != nil { return given }
        let candidates = try await store.sagaIDs(startingWith: given, limit: listed + 1)
        switch candidates.count {
        case 0:
            throw OperatorFailure("no saga with id '\(given)' in the store, nor one whose id starts with it: check the id with saga list", status: OperatorExit.noSuchSaga)
        case 1:
            return candidates[0]
        default:
            let shown = candidates.prefix(listed).joined(separator: ", ")
            let more = candidates.count > listed ? " and more" : ""
            throw OperatorFailure("'\(given)' is the start of several saga ids (\(shown)\(more)): give more of the id")
        }
    }
}
