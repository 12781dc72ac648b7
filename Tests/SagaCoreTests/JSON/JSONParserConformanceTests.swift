import Foundation
import SagaCore
import Testing

@Suite("JSON parser conformance")
struct JSONParserConformanceTests {
    @Test(arguments: [
        ("null", JSONValue.null),
        (" true ", true),
        ("false", false),
        ("0", 0),
        ("-0", 0),
        ("-0.0", 0),
        ("1.0", 1),
        ("1E2", 100),
        ("1e+16", 10_000_000_000_000_000),
        ("100e-2", 1),
        ("9223372036854775807", .int(.max)),
        ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .double(9.223372036854775808e18)),
        ("12345678901234567890", .double(1.2345678901234567e19)),
        ("1.5", 1.5),
        ("-2.5e-3", -0.0025),
        ("5e-324", .double(.leastNonzeroMagnitude)),
        ("1.7976931348623157e308", .double(1.7976931348623157e308)),
        (#""""#, ""),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        (#""\u0041\u00e9\u4E2D""#, "Aé中"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\u0000""#, "\u{0}"),
        (#""é😀 raw""#, "é😀 raw"),
        ("[]", []),
        ("[1,[2,[3]],{}]", [1, [2, [3]], [:]]),
        (#"{"a":1,"b":[true,null],"c":{"d":"e"}}"#, ["a": 1, "b": [true, nil], "c": ["d": "e"]]),
        (" \t\r\n{ \"a\" : [ 1 , 2 ] } \n", ["a": [1, 2]]),
    ] as [(String, JSONValue)])
    func validDocuments(text: String, expected: JSONValue) throws {
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value == expected)
        // Foundation reads the same document to the same value.
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value)
    }

    @Test(arguments: [
        ("", "unexpected end of the document at byte 0"),
        ("   ", "unexpected end of the document at byte 3"),
        ("nul", "invalid literal at byte 0"),
        ("True", "unexpected 'T' at byte 0"),
        ("[1,]", "unexpected ']' at byte 3"),
        ("[1 2]", "expected ',' or ']' in an array, found '2' at byte 3"),
        (#"{"a" 1}"#, "expected ':' after an object key, found '1' at byte 5"),
        (#"{"a":1,}"#, "expected a string key, found '}' at byte 7"),
        ("{a:1}", "expected a string key, found 'a' at byte 1"),
        (#"{"a":1"#, "unexpected end of the document at byte 6"),
        ("[1] x", "unexpected 'x' after the document at byte 4"),
        ("01", "unexpected '1' after the document at byte 1"),
        ("-", "a number needs a digit at byte 1"),
        ("1.", "a fraction needs a digit at byte 2"),
        ("1e", "an exponent needs a digit at byte 2"),
        (".5", "unexpected '.' at byte 0"),
        ("+1", "unexpected '+' at byte 0"),
        ("1e400", "the number 1e400 is out of range at byte 0"),
        ("NaN", "unexpected 'N' at byte 0"),
        (#""abc"#, "unterminated string at byte 0"),
        ("\"a\u{1}\"", "unescaped control character in a string at byte 2"),
        (#""\x""#, "invalid escape \\x at byte 1"),
        (#""\u12""#, "\\u needs four hex digits at byte 1"),
        (#""\ud800""#, "unpaired surrogate \\uD800 at byte 1"),
        (#""\ud800\u0041""#, "unpaired surrogate \\uD800 at byte 1"),
        (#""\udc00""#, "unpaired surrogate \\uDC00 at byte 1"),
        ("[1] [2]", "unexpected '[' after the document at byte 4"),
        ("// comment\n1", "unexpected '/' at byte 0"),
    ])
    func invalidDocuments(text: String, problem: String) {
        #expect(throws: SagaCoreError.invalidJSON("not valid JSON: \(problem)")) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func aRepeatedKeyKeepsTheLastValue() throws {
        #expect(try JSONValue(parsing: Array(#"{"a":1,"b":0,"a":2}"#.utf8)) == ["a": 2, "b": 0])
    }

    @Test func invalidUTF8IsAnError() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],                    // never valid
            [0x22, 0xC3, 0x22],                    // truncated sequence
            [0x22, 0xC0, 0xAF, 0x22],              // overlong "/"
            [0x22, 0xED, 0xA0, 0x80, 0x22],        // an encoded surrogate
            [0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22],  // after an escape
            [0x5B, 0xC3, 0xA9, 0x5D],              // outside a string
        ]
        for bytes in cases {
            #expect(throws: SagaCoreError.self) { try JSONValue(parsing: bytes) }
        }
        #expect(throws: SagaCoreError.invalidJSON("not valid JSON: invalid UTF-8 in the string at byte 1")) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
    }

    @Test func nestingIsLimitedTo128() throws {
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(try JSONValue(parsing: Array(ok.utf8)) != .null)
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(throws: SagaCoreError.invalidJSON("not valid JSON: arrays and objects nested deeper than 128 at byte 128")) {
            try JSONValue(parsing: Array(deep.utf8))
        }
        let deepObjects = String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 200)
        #expect(throws: SagaCoreError.self) { try JSONValue(parsing: Array(deepObjects.utf8)) }
    }

    @Test func readsAnyCollectionOfBytes() throws {
        let text = #"{"a":[1,"b"]}"#
        let expected: JSONValue = ["a": [1, "b"]]
        #expect(try JSONValue(parsing: Data(text.utf8)) == expected)
        #expect(try JSONValue(parsing: Array(("xx" + text).utf8).dropFirst(2)) == expected)
        #expect(try JSONValue(parsing: text.utf8) == expected)
        #expect(try JSONValue(parsing: AnyCollection(Array(text.utf8))) == expected)
    }

    @Test func writesEscapesAsRFC8259AndFoundationDo() throws {
        let value: JSONValue = ["k\u{1}": "q\" b\\ s/ nl\n cr\r t\t b\u{8} f\u{C} nul\u{0} us\u{1F} del\u{7F} é😀\u{2028}"]
        let text = String(decoding: try #require(value.jsonBytes), as: UTF8.self)
        #expect(text == #"{"k\u0001":"q\" b\\ s/ nl\n cr\r t\t b\b f\f nul\u0000 us\u001f del"# + "\u{7F} é😀\u{2028}\"}")
        #expect(JSONValue.double(1.0).jsonBytes == Array("1".utf8))
        #expect(JSONValue.double(-0.0).jsonBytes == Array("-0".utf8))
        #expect(JSONValue.double(1e21).jsonBytes == Array("1e+21".utf8))
        #expect(JSONValue.double(0.1).jsonBytes == Array("0.1".utf8))
        #expect(JSONValue.int(.min).jsonBytes == Array("-9223372036854775808".utf8))
        // Keys sort by their UTF-8 bytes: upper case before lower case, "a10" before "a9".
        let sorted: JSONValue = ["b": 1, "B": 2, "a10": 3, "a9": 4, "é": 5, "z": 6]
        #expect(sorted.jsonBytes == Array(#"{"B":2,"a10":3,"a9":4,"b":1,"z":6,"é":5}"#.utf8))
    }
}
