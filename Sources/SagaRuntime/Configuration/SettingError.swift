/// A setting whose value is not one it can take.
public struct SettingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The setting.
    public let key: SettingKey
    /// The value as it was given.
    public let value: String
    /// What it must be: "a positive number", "true or false", "HOST:PORT or off".
    public let expected: String

    /// A value `value` of `key` that is not `expected`.
    public init(key: SettingKey, value: String, expected: String) {
        self.key = key
        self.value = value
        self.expected = expected
    }

    public var description: String { "\(key.name) must be \(expected), got '\(value)'" }
}
