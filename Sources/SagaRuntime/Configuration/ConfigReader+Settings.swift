import Configuration

/// Reading a ``SettingKey`` from swift-configuration's `ConfigReader`. Values are read as text and
/// checked here, so a wrong one is a ``SettingError`` that names the setting and what it must be,
/// whichever provider gave it (a file's number, an environment variable's text, a flag's).
extension ConfigReader {
    /// The text of `key`, or `nil` when no provider has it.
    package func text(_ key: SettingKey) -> String? {
        string(forKey: ConfigKey([key.name]))
    }

    /// A list: a sequence in a file, or one comma-separated text (an environment variable, a
    /// flag, a file's string).
    package func list(_ key: SettingKey) -> [String]? {
        if let values = stringArray(forKey: ConfigKey([key.name])) {
            return values.map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
        }
        return text(key).map { $0.split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty } }
    }

    /// A whole number of at least 1.
    package func positive<Number: FixedWidthInteger>(_ key: SettingKey, as: Number.Type = Number.self) throws -> Number? {
        guard let text = text(key) else { return nil }
        guard let number = Number(text.trimmingWhitespace), number > 0 else {
            throw SettingError(key: key, value: text, expected: "a positive number")
        }
        return number
    }

    /// A whole number of at least 0.
    package func nonNegative<Number: FixedWidthInteger>(_ key: SettingKey, as: Number.Type = Number.self) throws -> Number? {
        guard let text = text(key) else { return nil }
        guard let number = Number(text.trimmingWhitespace), number >= 0 else {
            throw SettingError(key: key, value: text, expected: "a number of 0 or more")
        }
        return number
    }

    /// `true` or `false`.
    package func flag(_ key: SettingKey) throws -> Bool? {
        guard let text = text(key) else { return nil }
        guard let value = Bool(text.trimmingWhitespace.lowercased()) else {
            throw SettingError(key: key, value: text, expected: "true or false")
        }
        return value
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
