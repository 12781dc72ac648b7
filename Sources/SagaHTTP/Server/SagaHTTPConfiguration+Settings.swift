import Configuration
import SagaRuntime

extension SagaHTTPConfiguration {
    /// The keys of the HTTP surface's settings (see ``SettingKey``).
    public enum Keys {
        public static let http = SettingKey("http", "the API and console listener, HOST:PORT or off (default 127.0.0.1:8080)")
        public static let opsHttp = SettingKey("opsHttp", "a separate listener for /health, /ready and /metrics, HOST:PORT (default: served on http)")
        public static let participantGroups = SettingKey(
            "participantGroups", "participant consumer groups /v1/cluster reports the lag of, comma-separated (default: those the broker lists)", list: true
        )
    }

    /// Every key of ``Keys``.
    public static let keys: [SettingKey] = [Keys.http, Keys.opsHttp, Keys.participantGroups]

    /// The defaults, with the listeners `config` sets. Tokens are records (name, hash, role), which
    /// a `ConfigReader` does not hold: set ``tokens`` yourself.
    /// - Throws: ``SettingError`` for an address that is neither `HOST:PORT` nor `off`.
    public init(config: ConfigReader) throws {
        self.init()
        if let text = config.text(Keys.http) { api = try Listener.parse(text, key: Keys.http) }
        if let text = config.text(Keys.opsHttp) {
            guard let listener = try Listener.parse(text, key: Keys.opsHttp) else {
                throw SettingError(key: Keys.opsHttp, value: text, expected: "HOST:PORT")
            }
            ops = listener
        }
        if let groups = config.list(Keys.participantGroups) { participantGroups = groups }
    }
}

extension SagaHTTPConfiguration.Listener {
    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `off` (which gives `nil`).
    /// - Throws: ``SettingError`` for `key` when the text is neither.
    public static func parse(_ text: String, key: SettingKey) throws -> Self? {
        if text == "off" { return nil }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw SettingError(key: key, value: text, expected: "HOST:PORT or off")
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw SettingError(key: key, value: text, expected: "HOST:PORT (port 0-65535) or off")
        }
        return Self(host: String(host), port: port)
    }
}
