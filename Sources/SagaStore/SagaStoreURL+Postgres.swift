import Foundation

/// The parts of a `postgres://` or `postgresql://` URL, percent-decoded, before the environment
/// fills what it leaves out:
/// `postgres://[user[:password]@][host][:port][/database][?sslmode=...&connect_timeout=...]`.
///
/// As in libpq, a password containing `@`, `/`, `?` or `:` should be percent-encoded (an
/// unencoded `@` is tolerated: the last `@` before the query ends the user part).
struct PostgresURL: Sendable, Hashable {
    /// The query parameters understood, as libpq names them.
    static let parameterNames: Set<String> = [
        "host", "port", "user", "password", "dbname", "sslmode", "connect_timeout",
    ]

    var host: String?
    var port: Int?
    var username: String?
    var password: String?
    var database: String?
    var sslmode: String?
    var connectTimeout: String?

    /// Parses a URL.
    /// - Throws: ``SagaStoreError`` with ``SagaStoreError/Code/invalidURL``; the message shows the
    ///   URL with its password hidden.
    init(_ string: String) throws {
        func invalid(_ reason: String) -> SagaStoreError {
            SagaStoreError(.invalidURL, "'\(SagaStoreURL.redacted(string))' is not a valid PostgreSQL URL: \(reason)")
        }
        func decoded(_ text: Substring, _ what: String) throws -> String {
            guard let value = text.removingPercentEncoding else { throw invalid("its \(what) has a bad %-escape") }
            return value
        }
        guard let parts = Self.split(string) else {
            throw invalid("write postgres://user:password@host:port/database")
        }
        if let userinfo = parts.userinfo {
            let colon = userinfo.firstIndex(of: ":")
            let user = try decoded(userinfo[..<(colon ?? userinfo.endIndex)], "user name")
            username = user.isEmpty ? nil : user
            if let colon { password = try decoded(userinfo[userinfo.index(after: colon)...], "password") }
        }
        let slash = parts.hostAndPath.firstIndex(of: "/")
        let authority = parts.hostAndPath[..<(slash ?? parts.hostAndPath.endIndex)]
        if let slash {
            let name = try decoded(parts.hostAndPath[parts.hostAndPath.index(after: slash)...], "database name")
            database = name.isEmpty ? nil : name
        }
        guard !authority.contains(",") else { throw invalid("several hosts are not supported") }
        var hostText = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("an IPv6 address lacks its ']'") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostText = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        let host = try decoded(hostText, "host")
        self.host = host.isEmpty ? nil : host
        if let portText {
            guard let port = Self.port(portText) else { throw invalid("port '\(portText)' is not a number from 1 to 65535") }
            self.port = port
        }
        for pair in parts.query?.split(separator: "&") ?? [] {
            let equals = pair.firstIndex(of: "=") ?? pair.endIndex
            let name = try decoded(pair[..<equals], "parameter name")
            let value = try equals == pair.endIndex ? "" : decoded(pair[pair.index(after: equals)...], "parameter '\(name)'")
            switch name {
            case "host": self.host = value
            case "port":
                guard let port = Self.port(Substring(value)) else { throw invalid("port '\(value)' is not a number from 1 to 65535") }
                self.port = port
            case "user": username = value
            case "password": password = value
            case "dbname": database = value
            case "sslmode": sslmode = value
            case "connect_timeout": connectTimeout = value
            default:
                throw invalid(
                    "unknown parameter '\(name)' (known: \(Self.parameterNames.sorted().joined(separator: ", ")))"
                )
            }
        }
    }

    /// A port number from 1 to 65535, or `nil`.
    static func port(_ text: Substring) -> Int? {
        guard let port = Int(text), (1...65535).contains(port) else { return nil }
        return port
    }

    /// Cuts a URL into the user part (before the last `@`), host and path, and query; `nil` if
    /// it has no `scheme://`.
    static func split(_ string: String) -> (userinfo: Substring?, hostAndPath: Substring, query: Substring?)? {
        guard let scheme = string.range(of: "://") else { return nil }
        let rest = string[scheme.upperBound...]
        // A '?' before the last '@' is in the password, not the start of the query.
        let question = rest.lastIndex(of: "@").map { rest[$0...].firstIndex(of: "?") } ?? rest.firstIndex(of: "?")
        let main = rest[..<(question ?? rest.endIndex)]
        let query = question.map { rest[rest.index(after: $0)...] }
        guard let at = main.lastIndex(of: "@") else { return (nil, main, query) }
        return (main[..<at], main[main.index(after: at)...], query)
    }
}

extension SagaStoreURL {
    /// Hides the password of `scheme://user:password@host` and any `password=` parameter.
    static func redacted(_ string: String) -> String {
        guard let parts = PostgresURL.split(string) else { return string }
        var text = ""
        var cursor = string.startIndex
        if let userinfo = parts.userinfo, let colon = userinfo.firstIndex(of: ":") {
            text += string[...colon] + "***"
            cursor = userinfo.endIndex
        }
        if let query = parts.query {
            let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
                pair.hasPrefix("password=") ? "password=***" : pair
            }
            text += string[cursor..<query.startIndex] + pairs.joined(separator: "&")
            cursor = query.endIndex
        }
        return text + string[cursor...]
    }
}
