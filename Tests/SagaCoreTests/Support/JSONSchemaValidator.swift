import Foundation
import SagaCore

/// A small JSON Schema (draft 2020-12) validator covering the keywords `schemas/` uses.
/// A schema that uses any other assertion keyword is refused, so nothing passes by being ignored.
struct JSONSchemaValidator {
    static let supported: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "default",
        "type", "properties", "required", "enum", "const", "minLength", "minimum", "pattern", "items",
        "additionalProperties", "allOf", "if", "then", "else",
    ]

    let root: JSONValue

    init(schema: JSONValue) throws {
        root = schema
        if let unsupported = Self.unsupportedKeyword(in: schema) {
            throw SchemaError(message: "the schema uses '\(unsupported)', which this validator does not implement")
        }
    }

    struct SchemaError: Error { var message: String }

    private static func unsupportedKeyword(in schema: JSONValue) -> String? {
        guard case .object(let members) = schema else { return nil }
        for (key, value) in members {
            guard supported.contains(key) else { return key }
            switch key {
            case "properties", "$defs":
                for sub in value.objectValue?.values.map({ $0 }) ?? [] {
                    if let found = unsupportedKeyword(in: sub) { return found }
                }
            case "items", "additionalProperties", "if", "then", "else":
                if let found = unsupportedKeyword(in: value) { return found }
            case "allOf":
                if case .array(let subs) = value { for sub in subs { if let found = unsupportedKeyword(in: sub) { return found } } }
            default: break
            }
        }
        return nil
    }

    /// Every violation, as `path: problem`; empty when the instance is valid.
    func errors(_ instance: JSONValue) -> [String] {
        var errors: [String] = []
        validate(instance, root, "$", &errors)
        return errors
    }

    private func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var node = root
        for part in ref.dropFirst(2).split(separator: "/") {
            guard let next = node.objectValue?[String(part)] else { return nil }
            node = next
        }
        return node
    }

    private func validate(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ errors: inout [String]) {
        if case .bool(let allowed) = schema {
            if !allowed { errors.append("\(path): not allowed") }
            return
        }
        guard let s = schema.objectValue else { return }
        if let ref = s["$ref"]?.stringValue {
            if let target = resolve(ref) { validate(value, target, path, &errors) } else { errors.append("\(path): unresolvable \(ref)") }
        }
        if let type = s["type"]?.stringValue, !Self.matches(value, type: type) {
            errors.append("\(path): expected \(type)")
            return
        }
        if let constant = s["const"], !Self.equal(constant, value) { errors.append("\(path): expected the constant \(constant)") }
        if case .array(let options)? = s["enum"], !options.contains(where: { Self.equal($0, value) }) {
            errors.append("\(path): not one of the allowed values")
        }
        if case .string(let text) = value {
            if let min = Self.number(s["minLength"]), Double(text.unicodeScalars.count) < min { errors.append("\(path): shorter than \(min)") }
            if let pattern = s["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                errors.append("\(path): does not match \(pattern)")
            }
        }
        if let number = Self.number(value), let min = Self.number(s["minimum"]), number < min { errors.append("\(path): less than \(min)") }
        if case .array(let items) = value, let itemSchema = s["items"] {
            for (index, item) in items.enumerated() { validate(item, itemSchema, "\(path)[\(index)]", &errors) }
        }
        if case .object(let members) = value {
            if case .array(let required)? = s["required"] {
                for case .string(let name) in required where members[name] == nil { errors.append("\(path): missing \(name)") }
            }
            let properties = s["properties"]?.objectValue ?? [:]
            for (name, member) in members {
                if let propertySchema = properties[name] {
                    validate(member, propertySchema, "\(path).\(name)", &errors)
                } else if let additional = s["additionalProperties"] {
                    validate(member, additional, "\(path).\(name)", &errors)
                }
            }
        }
        if case .array(let all)? = s["allOf"] {
            for sub in all { validate(value, sub, path, &errors) }
        }
        if let condition = s["if"] {
            var probe: [String] = []
            validate(value, condition, path, &probe)
            if probe.isEmpty, let then = s["then"] { validate(value, then, path, &errors) }
            if !probe.isEmpty, let otherwise = s["else"] { validate(value, otherwise, path, &errors) }
        }
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let n)?: return Double(n)
        case .double(let n)?: return n
        default: return nil
        }
    }

    private static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("integer", .int): return true
        case ("integer", .double(let n)): return n.rounded() == n
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }
}

/// The repository's `schemas/` folder, found from this file's path (tests run from the source tree).
enum SchemaFiles {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas")

    static func validator(_ file: String) throws -> JSONSchemaValidator {
        let data = try Data(contentsOf: directory.appendingPathComponent(file))
        return try JSONSchemaValidator(schema: JSONDecoder().decode(JSONValue.self, from: data))
    }
}
