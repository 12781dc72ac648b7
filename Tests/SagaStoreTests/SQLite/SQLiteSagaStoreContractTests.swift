import Testing

/// The saga store contract, against a SQLite file per case.
@Suite("SQLite saga store contract")
struct SQLiteSagaStoreContractTests {
    @Test(arguments: SagaStoreContract.cases)
    func contract(_ contractCase: ContractCase) async throws {
        try await contractCase.run(on: .sqlite)
    }
}
