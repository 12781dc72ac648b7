import Crypto

/// A bearer token the API accepts, known by the SHA-256 of its text only: the configuration
/// never holds the token itself, and nothing logs it.
public struct APIToken: Sendable, Hashable {
    /// What a token lets its holder do.
    public struct Role: Sendable, Hashable, Comparable, CustomStringConvertible {
        let level: Int
        /// The role's name, as the configuration file writes it.
        public let name: String
        public var description: String { name }
        public static func < (a: Role, b: Role) -> Bool { a.level < b.level }

        /// GETs and streams.
        public static let read = Role(level: 1, name: "read")
        /// Also starts sagas and publishes controls.
        public static let operate = Role(level: 2, name: "operate")

        /// The role named `name` (`read` or `operate`), or `nil`.
        public init?(name: String) {
            switch name {
            case "read": self = .read
            case "operate": self = .operate
            default: return nil
            }
        }

        private init(level: Int, name: String) {
            self.level = level
            self.name = name
        }
    }

    /// A name for the token, for logs (never the token).
    public var name: String
    /// The SHA-256 of the token's text, 32 bytes.
    public var sha256: [UInt8]
    /// What it may do.
    public var role: Role

    /// A token from the hex SHA-256 of its text (`printf %s TOKEN | sha256sum`).
    /// - Throws: ``SagaHTTPError`` when `sha256Hex` is not 64 hex digits.
    public init(name: String, sha256Hex: String, role: Role) throws {
        guard sha256Hex.count == 64, let bytes = Self.bytes(hex: sha256Hex) else {
            throw SagaHTTPError.configuration("token '\(name)': sha256 must be the 64 hex digits of the token's SHA-256 (printf %s TOKEN | sha256sum), got \(sha256Hex.count) characters")
        }
        self.name = name
        self.sha256 = bytes
        self.role = role
    }

    /// The SHA-256 of `text`, as hex (what the configuration file holds for a token).
    public static func hash(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Whether `presented` is this token: compares the hashes in constant time.
    func matches(digest: [UInt8]) -> Bool {
        guard digest.count == sha256.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(digest, sha256) { difference |= a ^ b }
        return difference == 0
    }

    private static func bytes(hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = high.hexDigitValue, let l = low.hexDigitValue else { return nil }
            bytes.append(UInt8(h * 16 + l))
        }
        return bytes
    }
}
