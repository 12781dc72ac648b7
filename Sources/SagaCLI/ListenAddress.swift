import ArgumentParser

/// A `HOST:PORT` an HTTP listener binds, as `--http` and `--ops-http` take it (`off` is `nil`).
struct ListenAddress: Equatable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether only this machine can reach the listener.
    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `off` (which gives `nil`).
    /// - Parameter source: the flag, variable or file key the text came from, for the error.
    /// - Throws: `ValidationError` naming `source` when the text is neither.
    static func parse(_ text: String, source: String) throws -> ListenAddress? {
        if text == "off" { return nil }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"),
           text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw ValidationError("\(source) wants HOST:PORT or off, got '\(text)'")
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw ValidationError("\(source) wants HOST:PORT (port 0-65535) or off, got '\(text)'")
        }
        return ListenAddress(host: String(host), port: port)
    }
}
