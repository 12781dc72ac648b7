import SagaCore

/// Encodes and decodes saga snapshots for the store: compact JSON (readable with any SQL tool),
/// written and read by the core's hand-made codec.
struct SagaStateEncoder {
    func decode(_ bytes: [UInt8]) throws -> SagaState {
        try SagaStateCodec.decode(bytes)
    }
}
