/// The right to write one partition number, proven by its epoch (a fencing token).
///
/// ``SagaStore/takePartition(_:)`` returns a lease with a new, higher epoch; every later write for
/// the partition carries it and fails with ``SagaStoreError/Code/fenced`` once someone took the
/// partition again.
public struct PartitionLease: Sendable, Hashable, CustomStringConvertible {
    /// The partition number (shared by the commands and replies topics).
    public var partition: Int32
    /// The epoch this holder got when it took the partition.
    public var epoch: Int64

    /// Makes a lease; normally only stores do.
    public init(partition: Int32, epoch: Int64) {
        self.partition = partition
        self.epoch = epoch
    }

    public var description: String { "partition \(partition) epoch \(epoch)" }
}
