/// One setting: its key, and how that key is spelt where a setting can be given.
///
/// The key is the only name written by hand. A configuration file uses it as it is
/// (`maxActiveSagas`), the environment as swift-configuration's `EnvironmentVariablesProvider`
/// spells the key under `saga` (`SAGA_MAX_ACTIVE_SAGAS`), the command line in kebab case
/// (`--max-active-sagas`).
public struct SettingKey: Sendable, Hashable, CustomStringConvertible {
    /// The key, as in a configuration file.
    public let name: String
    /// What it sets, with its default: for help texts and the configuration reference.
    public let summary: String
    /// Whether it takes a list (a sequence in a file, comma-separated text elsewhere).
    public let isList: Bool

    /// A setting named `name` (camel case, letters and digits).
    public init(_ name: String, _ summary: String, list: Bool = false) {
        self.name = name
        self.summary = summary
        self.isList = list
    }

    /// `SAGA_` and the key in upper snake case.
    public var environmentName: String {
        "SAGA_" + words.map { $0.uppercased() }.joined(separator: "_")
    }

    /// `--` and the key in kebab case.
    public var flag: String {
        "--" + words.map { $0.lowercased() }.joined(separator: "-")
    }

    public var description: String { name }

    /// The key cut where a lower-case letter or digit meets an upper-case one.
    private var words: [String] {
        var words: [String] = []
        var current = ""
        var previous: Character?
        for character in name {
            if character.isUppercase, let previous, previous.isLowercase || previous.isNumber {
                words.append(current)
                current = ""
            }
            current.append(character)
            previous = character
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
