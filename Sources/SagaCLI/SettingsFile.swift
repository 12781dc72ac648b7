import ArgumentParser
import Configuration
import Foundation
import SagaHTTP
import SagaRuntime
import Yams

/// A `--config` file: a YAML mapping of setting keys (``ServiceSettings/keys``), plus `kafka` (a
/// map of librdkafka properties) and `tokens` (a list of `name`, `sha256`, `role`). Its settings
/// become a swift-configuration provider; the two structured keys are read here.
struct SettingsFile {
    /// The settings, by key: a scalar as text, a list of scalars as a list.
    var values: [AbsoluteConfigKey: ConfigValue] = [:]
    var kafka: [String: String] = [:]
    var tokens: [APIToken] = []

    /// Reads the file at `path`.
    /// - Throws: `ValidationError` naming the file and the key at fault: unreadable, not YAML,
    ///   an unknown key (a misspelt one would otherwise be ignored), a value of the wrong shape.
    init(path: String, keys: [SettingKey]) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("--config: cannot read '\(path)': \(error.localizedDescription)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ValidationError("--config: '\(path)' is not valid YAML: \(error)")
        }
        guard let root else { return }
        guard let mapping = root.mapping else {
            throw ValidationError("--config: '\(path)' is not a valid configuration: it must be a mapping of setting keys")
        }
        let settings = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })
        let known = Set(settings.keys).union(["kafka", "tokens"])
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, known.contains(key) else {
                throw ValidationError("--config: '\(path)' has an unknown key '\(keyNode.string ?? "\(keyNode)")': the keys are \(known.sorted().joined(separator: ", "))")
            }
            let at = "--config: '\(path)', line \(keyNode.mark?.line ?? 0): \(key)"
            switch key {
            case "kafka":
                guard let properties = value.mapping else { throw ValidationError("\(at) must be a map of librdkafka properties") }
                for (property, setting) in properties {
                    guard let name = property.string, let text = setting.scalar?.string else {
                        throw ValidationError("\(at): each property must be a name and a value")
                    }
                    kafka[name] = text
                }
            case "tokens":
                guard let entries = value.sequence else { throw ValidationError("\(at) must be a list of name, sha256 and role") }
                tokens = try entries.enumerated().map { index, entry in try Self.token(entry, index: index, path: path) }
            default:
                if let scalar = value.scalar {
                    values[AbsoluteConfigKey([key])] = ConfigValue(.string(scalar.string), isSecret: false)
                } else if let sequence = value.sequence, settings[key]?.isList == true {
                    let items = try sequence.map { item in
                        guard let scalar = item.scalar else { throw ValidationError("\(at) must be a list of plain values") }
                        return scalar.string
                    }
                    values[AbsoluteConfigKey([key])] = ConfigValue(.stringArray(items), isSecret: false)
                } else {
                    throw ValidationError("\(at) must be \(settings[key]?.isList == true ? "a value or a list" : "one value"), not \(value.mapping != nil ? "a map" : "a list")")
                }
            }
        }
    }

    private static func token(_ entry: Node, index: Int, path: String) throws -> APIToken {
        let at = "--config: '\(path)': tokens[\(index)]"
        guard let fields = entry.mapping else { throw ValidationError("\(at) must have name, sha256 and role") }
        func field(_ name: String) -> String? { fields[Node(name)]?.scalar?.string }
        guard let sha256 = field("sha256") else { throw ValidationError("\(at).sha256 is missing") }
        let roleName = field("role") ?? ""
        guard let role = APIToken.Role(name: roleName) else {
            throw ValidationError("\(at).role must be read or operate, got '\(roleName)'")
        }
        do {
            return try APIToken(name: field("name") ?? "tokens[\(index)]", sha256Hex: sha256.lowercased(), role: role)
        } catch {
            throw ValidationError("\(at): \(error)")
        }
    }
}
