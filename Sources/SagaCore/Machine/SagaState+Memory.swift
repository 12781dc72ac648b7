extension SagaState {
    /// An estimate of the bytes this saga's state holds in memory: the struct, its step array and
    /// the heap storage of its strings, payload and outputs. For capacity planning and metrics.
    public var approximateMemorySize: Int {
        var total = MemoryLayout<SagaState>.stride
        total += 32 + steps.count * MemoryLayout<StepState>.stride
        total += Self.heapSize(sagaID) + Self.heapSize(sagaType) + (businessKey.map(Self.heapSize) ?? 0) + (reason.map(Self.heapSize) ?? 0)
        total += Self.heapSize(payload)
        for step in steps { if let output = step.output { total += Self.heapSize(output) } }
        return total
    }

    /// Strings of up to 15 UTF-8 bytes are stored inline; longer ones own a heap buffer.
    private static func heapSize(_ text: String) -> Int {
        let count = text.utf8.count
        return count <= 15 ? 0 : 32 + count
    }

    private static func heapSize(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool, .int, .double: return 0
        case .string(let text): return heapSize(text)
        case .array(let items):
            return 32 + items.count * MemoryLayout<JSONValue>.stride + items.reduce(0) { $0 + heapSize($1) }
        case .object(let members):
            // A dictionary's storage: header, keys, values and metadata, at about 4/3 load.
            let slots = max(1, members.count * 4 / 3)
            return 64 + slots * (MemoryLayout<String>.stride + MemoryLayout<JSONValue>.stride + 1)
                + members.reduce(0) { $0 + heapSize($1.key) + heapSize($1.value) }
        }
    }
}
