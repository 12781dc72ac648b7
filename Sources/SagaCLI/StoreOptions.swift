import ArgumentParser
import Foundation
import Logging
import SagaStore

/// The option of the commands that read the orchestrator's store.
struct StoreOptions: ParsableArguments {
    @Option(help: "The orchestrator's store: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: SAGA_STORE_URL, else SAGA_STORE, else the store of the saga dev in .saga-dev or SAGA_DEV_DIR, else sqlite:saga.sqlite).")
    var store: String?

    func validate() throws {
        _ = try url()
    }

    /// The store URL from the flag, else the environment, else `saga dev`'s client file, else the
    /// orchestrator's default.
    /// - Throws: `ValidationError` when it is not a store URL.
    func url(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SagaStoreURL {
        let text = try store ?? environment["SAGA_STORE_URL"] ?? environment["SAGA_STORE"]
            ?? DevClientFile.settings(environment: environment)?.store ?? "sqlite:saga.sqlite"
        do {
            return try SagaStoreURL(text)
        } catch let error as SagaStoreError {
            throw ValidationError("--store: \(error.message)")
        }
    }

    /// Whether a store is named anywhere (flag, environment, `saga dev`'s client file) or the
    /// default file exists: the controls resolve id prefixes only then.
    func isAvailable(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        if store != nil || environment["SAGA_STORE_URL"] != nil || environment["SAGA_STORE"] != nil { return true }
        if try DevClientFile.path(environment: environment) != nil { return true }
        return FileManager.default.fileExists(atPath: "saga.sqlite")
    }

    /// Opens the store named by the flag or the environment.
    /// - Throws: `ValidationError` for a URL that is not one; ``OperatorFailure`` when there is
    ///   no such SQLite file or the store cannot be opened.
    func open(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> any SagaStore {
        let url = try self.url(environment: environment)
        // Opening a SQLite path creates it: an operator who mistyped it must hear so instead.
        if url.backend == .sqlite && !FileManager.default.fileExists(atPath: url.location) {
            throw OperatorFailure("no saga store at '\(url.location)': name the orchestrator's store with --store sqlite:PATH (or postgres://...) or SAGA_STORE_URL, or run this where saga dev runs (or with SAGA_DEV_DIR)")
        }
        var logger = Logger(label: "saga.cli.store") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .error
        do {
            return try await url.openSagaStore(logger: logger)
        } catch let error as SagaStoreError {
            throw OperatorFailure("cannot open the store \(url): \(error.message)")
        }
    }

    /// Opens the store named by the flag or the environment and runs it while `body` reads it.
    /// - Throws: Like ``open(environment:)``; a ``SagaStoreError`` from `body` as an
    ///   ``OperatorFailure`` ("reading the store failed"); what else `body` throws.
    func withStore<T>(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        _ body: (any SagaStore) async throws -> T
    ) async throws -> T {
        let store = try await open(environment: environment)
        do {
            return try await store.withRunning { try await body($0) }
        } catch let error as SagaStoreError {
            throw OperatorFailure("reading the store failed: \(error.message)")
        }
    }
}
