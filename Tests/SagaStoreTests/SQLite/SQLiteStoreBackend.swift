import SagaStore

extension StoreBackend {
    /// SQLite: each case gets its own file in its own temporary directory.
    static let sqlite = StoreBackend(name: "sqlite") { body in
        try await withTemporaryDirectory { directory in
            let path = directory.file("store.sqlite")
            try await body(
                StoreHarness {
                    try await SQLiteSagaStore(path: path, logger: Fixture.logger().0)
                }
            )
        }
    }
}
