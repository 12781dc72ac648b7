import Testing

/// The saga store contract, against a fresh PostgreSQL database per case.
@Suite("PostgreSQL saga store contract")
struct PostgresSagaStoreContractTests {
    @Test(arguments: SagaStoreContract.cases)
    func contract(_ contractCase: ContractCase) async throws {
        try await contractCase.run(on: .postgres)
    }
}
