extension CommitBatch {
    /// Checks what needs no database; every store calls it before writing.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/invalidBatch``.
    public func validate() throws {
        if let stray = sagas.first(where: { $0.partition != lease.partition }) {
            throw SagaStoreError(
                .invalidBatch,
                "saga \(stray.id) belongs to partition \(stray.partition), not the batch's \(lease.partition)"
            )
        }
    }
}
