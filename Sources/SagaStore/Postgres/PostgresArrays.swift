import PostgresNIO

/// `[UInt8]` bound as `bytea`, without copying into a `ByteBuffer` first (PostgresNIO binds a
/// plain `[UInt8]` as a `"char"[]`).
struct PostgresBytes: PostgresNonThrowingEncodable, PostgresArrayEncodable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static var psqlType: PostgresDataType { .bytea }
    static var psqlFormat: PostgresFormat { .binary }
    static var psqlArrayType: PostgresDataType { .byteaArray }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeBytes(bytes)
    }
}

/// A one-dimensional array parameter whose elements may be SQL `NULL`, for `unnest` of nullable
/// columns (PostgresNIO's arrays have no `NULL` elements).
///
/// PostgreSQL's binary array layout: dimensions, has-nulls flag, element type, then per
/// dimension its length and lower bound, then each element as a length (-1 for `NULL`) and bytes.
struct PostgresNullableArray<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable & Sendable>:
    PostgresNonThrowingEncodable, Sendable
{
    var elements: [Element?]

    init(_ elements: [Element?]) {
        self.elements = elements
    }

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(elements.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(elements.contains { $0 == nil } ? 1 : 0, as: Int32.self)
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(1, as: Int32.self)
        for element in elements {
            guard let element else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            element.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex)
        }
    }
}

extension ByteBuffer {
    /// The readable bytes as an array.
    var bytes: [UInt8] {
        Array(readableBytesView)
    }
}
