import Foundation
import SagaCore

/// Encodes and decodes saga snapshots for the store (compact JSON).
struct SagaStateEncoder {
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    func encode(_ state: SagaState) -> [UInt8] {
        // SagaState holds strings, integers and JSON values only: encoding it cannot fail.
        Array((try? encoder.encode(state)) ?? Data())
    }

    func decode(_ bytes: [UInt8]) throws -> SagaState {
        try decoder.decode(SagaState.self, from: Data(bytes))
    }
}
