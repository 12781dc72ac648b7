/// A Kafka record header: a name and an optional value (a header may carry no value at all).
public struct KafkaHeader: Sendable, Hashable {
    /// The header name.
    public var name: String
    /// The header value, or `nil` for a header with no value.
    public var value: [UInt8]?

    /// - Parameters:
    ///   - name: the header name.
    ///   - value: the value bytes, or `nil`.
    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `value`.
    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }

    /// The value as UTF-8 text, or `nil` when there is no value.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}
