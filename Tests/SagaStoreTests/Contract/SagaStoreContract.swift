/// The behaviour every ``SagaStore`` must have, written against the protocol only.
enum SagaStoreContract {
    /// Every case; a backend's suite runs them all as one parameterised test.
    static let cases: [ContractCase] =
        partitionCases + atomicityCases + durabilityCases + outboxCases + startKeyCases + queryCases + purgeCases
        + operationsCases
}
