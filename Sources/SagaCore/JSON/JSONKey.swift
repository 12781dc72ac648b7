/// An object key as read: its bytes in the document when it has no escapes (the usual case), so that
/// matching it against the known field names creates no `String`.
struct JSONKey {
    /// The key's UTF-8 bytes in the document; nil when the key has escapes.
    fileprivate let raw: UnsafeBufferPointer<UInt8>?
    /// The key, decoded, when it has escapes.
    fileprivate let decoded: String?

    init(raw: UnsafeBufferPointer<UInt8>) {
        self.raw = raw
        self.decoded = nil
    }

    init(decoded: String) {
        self.raw = nil
        self.decoded = decoded
    }

    /// The key as a string.
    var string: String {
        if let raw { return String(decoding: raw, as: UTF8.self) }
        return decoded ?? ""
    }

    /// Whether the key is `name`, for `switch key { case "sagaId": ... }`.
    static func ~= (name: StaticString, key: JSONKey) -> Bool {
        let count = name.utf8CodeUnitCount
        guard let raw = key.raw else { return key.decoded!.utf8.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: count)) }
        guard raw.count == count else { return false }
        let expected = name.utf8Start
        for index in 0..<count where raw[index] != expected[index] { return false }
        return true
    }
}
