import CRdKafka
import Synchronization

/// Collects the delivery reports of one send (one message or a batch) and resumes the waiting
/// task once every message has an outcome.
///
/// Each message gets a slot whose address is its librdkafka `msg_opaque`; the slot names the
/// batch and the message's index. The batch keeps itself alive (one unbalanced retain) until the
/// last outcome arrives, so a delivery report never finds a freed batch.
///
/// `@unchecked Sendable`: `slots` is raw memory handed to librdkafka; it is written once before
/// the message is produced and only read afterwards. All mutable state is behind `state`.
final class DeliveryBatch: @unchecked Sendable {
    struct Slot {
        var batch: Unmanaged<DeliveryBatch>
        var index: Int
    }

    private struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>?
    }

    private let slots: UnsafeMutablePointer<Slot>
    private let count: Int
    private let state: Mutex<State>

    init(count: Int) {
        self.count = count
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
        slots = .allocate(capacity: max(count, 1))
        let unmanaged = Unmanaged.passRetained(self)
        for index in 0..<count {
            (slots + index).initialize(to: Slot(batch: unmanaged, index: index))
        }
        if count == 0 { unmanaged.release() }
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    /// The `msg_opaque` for message `index`.
    func opaque(for index: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(slots + index)
    }

    /// Records the outcome of message `index` (a delivery report or a refused enqueue).
    func complete(_ index: Int, with result: Result<KafkaDeliveryReport, KafkaError>) {
        let (continuation, results, last) = state.withLock { state in
            precondition(state.results[index] == nil, "two outcomes for one message")
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else {
                return (CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>?.none,
                        [Result<KafkaDeliveryReport, KafkaError>](), false)
            }
            let continuation = state.continuation
            state.continuation = nil
            return (continuation, continuation == nil ? [] : state.results.map { $0! }, true)
        }
        continuation?.resume(returning: results)
        // The last outcome balances the retain taken in init.
        if last { slots.pointee.batch.release() }
    }

    /// Waits for every outcome.
    func results() async -> [Result<KafkaDeliveryReport, KafkaError>] {
        await withCheckedContinuation { continuation in
            let ready: [Result<KafkaDeliveryReport, KafkaError>]? = state.withLock { state in
                if state.remaining == 0 { return state.results.map { $0! } }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Called by the delivery report callback with a message's `msg_opaque`.
    static func deliver(opaque: UnsafeMutableRawPointer, result: Result<KafkaDeliveryReport, KafkaError>) {
        let slot = opaque.assumingMemoryBound(to: Slot.self).pointee
        slot.batch.takeUnretainedValue().complete(slot.index, with: result)
    }
}
