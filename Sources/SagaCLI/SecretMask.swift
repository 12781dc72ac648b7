/// What `--print-config` hides: librdkafka properties that hold passwords, secrets or private keys.
enum SecretMask {
    /// What a hidden value is printed as.
    static let mask = "***"

    /// Whether the librdkafka property `key` holds a secret (`sasl.password`,
    /// `ssl.key.password`, `ssl.keystore.password`, `ssl.key.pem`,
    /// `sasl.oauthbearer.client.secret`, `sasl.oauthbearer.config`, ...).
    static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        return key.contains("password") || key.contains("secret") || key == "ssl.key.pem"
            || key == "sasl.oauthbearer.config" || key.hasSuffix(".jaas.config")
    }

    /// `properties` with every secret value replaced by ``mask``.
    static func masked(_ properties: [String: String]) -> [String: String] {
        properties.reduce(into: [:]) { masked, property in
            masked[property.key] = isSecret(property.key) ? mask : property.value
        }
    }
}
