import CRdKafka
import Synchronization

/// Collects the delivery reports of one send (one message or a batch) and resumes the waiting
/// task once every message has an outcome.
///
/// Each message gets a slot whose address is its librdkafka `msg_opaque`; the slot names the
/// batch and receives the message's outcome. Every slot has exactly one writer (the delivery
/// report callback, or the enqueue path when librdkafka refused the message), so outcomes are
/// written without a lock; an atomic countdown publishes them, and the last writer resumes the
/// waiting task. The batch keeps itself alive (one unbalanced retain) until the last outcome
/// arrives, so a delivery report never finds a freed batch.
///
/// `@unchecked Sendable`: `slots` is raw memory handed to librdkafka; each slot is written by
/// one thread and read only after the countdown (acquire-release) reached zero.
final class DeliveryBatch: @unchecked Sendable {
    /// Kept small (48 bytes): batches of many thousand messages allocate one slot each.
    struct Slot {
        var batch: Unmanaged<DeliveryBatch>
        var offset: Int64 = -1
        var timestampMs: Int64 = -1
        var partition: Int32 = -1
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        /// Only failures pay for an allocation.
        var error: ErrorBox?
    }

    final class ErrorBox {
        let error: KafkaError
        init(_ error: KafkaError) { self.error = error }
    }

    private struct Waiter {
        var done = false
        var continuation: CheckedContinuation<Void, Never>?
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let count: Int
    private let remaining: Atomic<Int>
    private let waiter = Mutex(Waiter())

    init(count: Int) {
        self.count = count
        remaining = Atomic(count)
        slots = .allocate(capacity: max(count, 1))
        let unmanaged = Unmanaged.passRetained(self)
        slots.initialize(repeating: Slot(batch: unmanaged), count: count)
        if count == 0 {
            waiter.withLock { $0.done = true }
            unmanaged.release()
        }
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// The `msg_opaque` for message `index`.
    func opaque(for index: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(slots + index)
    }

    /// Records that librdkafka refused message `index` before it was queued.
    func fail(_ index: Int, with error: KafkaError) {
        slots[index].error = ErrorBox(error)
        countDown()
    }

    /// Records the same refusal for messages `start...`.
    func failAll(from start: Int, with error: KafkaError) {
        let box = ErrorBox(error)
        for index in start..<count {
            slots[index].error = box
            countDown()
        }
    }

    /// Called by the delivery report callback for the slot at `opaque`.
    static func deliver(opaque: UnsafeMutableRawPointer, message: rd_kafka_message_t,
                        timestampMs: Int64, timestampType: rd_kafka_timestamp_type_t, error: KafkaError?) {
        let slot = opaque.assumingMemoryBound(to: Slot.self)
        slot.pointee.partition = message.partition
        slot.pointee.offset = message.offset
        slot.pointee.timestampMs = timestampMs
        slot.pointee.timestampType = timestampType
        if let error { slot.pointee.error = ErrorBox(error) }
        slot.pointee.batch.takeUnretainedValue().countDown()
    }

    private func countDown() {
        let left = remaining.subtract(1, ordering: .acquiringAndReleasing).newValue
        guard left == 0 else { return }
        let continuation = waiter.withLock { waiter in
            waiter.done = true
            defer { waiter.continuation = nil }
            return waiter.continuation
        }
        continuation?.resume()
        // The last outcome balances the retain taken in init.
        slots.pointee.batch.release()
    }

    /// Waits for every outcome.
    func waitForAll() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = waiter.withLock { waiter in
                if !waiter.done { waiter.continuation = continuation }
                return waiter.done
            }
            if done { continuation.resume() }
        }
        // Pairs with the release in `countDown`: every slot write is visible from here on.
        _ = remaining.load(ordering: .acquiring)
    }

    /// The outcome of message `index`, once ``waitForAll()`` returned.
    func outcome(_ index: Int, topic: String) -> Result<KafkaDeliveryReport, KafkaError> {
        let slot = slots[index]
        if let box = slot.error { return .failure(box.error) }
        return .success(KafkaDeliveryReport(
            topic: topic, partition: slot.partition, offset: slot.offset,
            timestamp: KafkaTimestamp(ms: slot.timestampMs, type: slot.timestampType)))
    }

    /// How many messages failed, once ``waitForAll()`` returned.
    var failureCount: Int {
        (0..<count).reduce(0) { $0 + (slots[$1].error == nil ? 0 : 1) }
    }
}
