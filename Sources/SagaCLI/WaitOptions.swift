import ArgumentParser
import SagaCore

/// `--wait` and `--timeout` of the commands that send a command about a saga (start and the
/// controls): whether to follow the saga until the orchestrator answered, and for how long.
struct WaitOptions: ParsableArguments {
    @Flag(help: "Follow the saga until the orchestrator answered: a start or cancel until the saga settles, another control until it is applied (compensate: until the compensation started).")
    var wait = false

    @Option(help: "With --wait: seconds to wait for the answer (default 120).")
    var timeout: Double?

    func validate() throws {
        if let timeout {
            guard wait else { throw ValidationError("--timeout needs --wait") }
            guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        }
    }

    /// With `--wait`, a feed positioned at the end of the progress and dead-letter topics: opened
    /// before the command is sent, so none of the answer to it can be missed. `nil` without.
    func feed(on cluster: ClusterSettings) async throws -> ProgressFeed? {
        wait ? try await ProgressFeed(cluster: cluster, deadLetters: true, fromBeginning: false) : nil
    }

    /// Follows saga `id` on `feed` until `done` accepts one of its events, a command about it is
    /// dead-lettered, or `--timeout` passes; then closes the feed.
    /// - Parameter printing: whether each event is printed as a progress line.
    func follow(
        _ id: String, on feed: ProgressFeed, cluster: ClusterSettings, printing: Bool, until done: (ProgressEvent) -> Bool
    ) async throws -> SagaFollower.Outcome {
        let printer = ProgressPrinter(feed: feed, style: .forTerminal(), filter: .init(saga: id))
        let outcome = try await SagaFollower(feed: feed, cluster: cluster).follow(
            id, timeout: .milliseconds(Int64((timeout ?? 120) * 1000)),
            onEvent: { event, published in if printing { printer.print(event, published: published) } },
            until: done
        )
        await feed.close()
        return outcome
    }
}
