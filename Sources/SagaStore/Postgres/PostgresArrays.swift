import PostgresNIO

/// A one-dimensional array parameter built element by element into its wire bytes, for `unnest`
/// and `ANY`: elements may be SQL `NULL` (PostgresNIO's arrays cannot hold one), and a column of a
/// thousand rows is one buffer copy when sent instead of a generic encode per element.
///
/// PostgreSQL's binary array layout: dimensions, has-nulls flag, element type, then per
/// dimension its length and lower bound, then each element as a big-endian length (-1 for
/// `NULL`) and its bytes.
struct PostgresArray: PostgresDynamicTypeEncodable, Sendable {
    /// The kinds of element the store sends.
    enum ElementType: Sendable {
        case bool, int4, int8, text, bytea

        fileprivate var type: PostgresDataType {
            switch self {
            case .bool: .bool
            case .int4: .int4
            case .int8: .int8
            case .text: .text
            case .bytea: .bytea
            }
        }

        fileprivate var arrayType: PostgresDataType {
            switch self {
            case .bool: .boolArray
            case .int4: .int4Array
            case .int8: .int8Array
            case .text: .textArray
            case .bytea: .byteaArray
            }
        }
    }

    private let elementType: ElementType
    private var elements: [UInt8] = []
    private(set) var count = 0
    private var hasNulls = false

    /// An empty array of `elementType`.
    init(_ elementType: ElementType) {
        self.elementType = elementType
    }

    /// An `int8[]` of `values`.
    init(_ values: [Int64]) {
        self.init(.int8)
        elements.reserveCapacity(values.count * 12)
        for value in values { append(value) }
    }

    var psqlType: PostgresDataType { elementType.arrayType }
    var psqlFormat: PostgresFormat { .binary }

    mutating func append(_ value: Bool) {
        precondition(elementType == .bool)
        count += 1
        appendInteger(Int32(1))
        elements.append(value ? 1 : 0)
    }

    mutating func append(_ value: Int32?) {
        precondition(elementType == .int4)
        count += 1
        guard let value else { return appendNull() }
        appendInteger(Int32(4))
        appendInteger(value)
    }

    mutating func append(_ value: Int64?) {
        precondition(elementType == .int8)
        count += 1
        guard let value else { return appendNull() }
        appendInteger(Int32(8))
        appendInteger(value)
    }

    mutating func append(_ value: String?) {
        precondition(elementType == .text)
        count += 1
        guard let value else { return appendNull() }
        appendInteger(Int32(value.utf8.count))
        elements.append(contentsOf: value.utf8)
    }

    mutating func append(_ value: [UInt8]?) {
        precondition(elementType == .bytea)
        count += 1
        guard let value else { return appendNull() }
        appendInteger(Int32(value.count))
        elements.append(contentsOf: value)
    }

    private mutating func appendNull() {
        appendInteger(Int32(-1))
        hasNulls = true
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { elements.append(contentsOf: $0) }
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(count == 0 ? 0 : 1, as: Int32.self)
        buffer.writeInteger(hasNulls ? 1 : 0, as: Int32.self)
        buffer.writeInteger(elementType.type.rawValue)
        guard count > 0 else { return }
        buffer.writeInteger(Int32(count))
        buffer.writeInteger(1, as: Int32.self)
        buffer.writeBytes(elements)
    }
}

extension ByteBuffer {
    /// The readable bytes as an array.
    var bytes: [UInt8] {
        Array(readableBytesView)
    }
}
