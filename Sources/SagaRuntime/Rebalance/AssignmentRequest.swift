import Dispatch
import SagaStore
import Synchronization

/// A request from the consumer's rebalance callback, which runs on the consumer's I/O thread and
/// cannot `await`, to the task that takes partitions over in the store.
///
/// The callback blocks on the request (on librdkafka's poll thread, never the cooperative pool)
/// until the store work is done or the bound passes.
final class AssignmentRequest: Sendable {
    let partitions: [Int32]
    private let result = Mutex<Result<[PartitionSnapshot], any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(partitions: [Int32]) {
        self.partitions = partitions
    }

    func fulfill(_ outcome: Result<[PartitionSnapshot], any Error>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    /// Waits for the outcome; nil when `timeout` passed first.
    func wait(timeout: Duration) -> Result<[PartitionSnapshot], any Error>? {
        let deadline = DispatchTime.now() + .milliseconds(Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        guard done.wait(timeout: deadline) == .success else { return nil }
        return result.withLock { $0 }
    }
}
