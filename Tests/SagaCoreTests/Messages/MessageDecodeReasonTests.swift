import SagaCore
import Testing

/// The reasons the codec gives for a message it refuses: each names the field and what is wrong with it.
@Suite("Decode reasons")
struct MessageDecodeReasonTests {
    static let reply = #"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"pending","attempt":1,"outcome":"succeeded"}"#
    static let command = #"{"messageType":"saga.participant.command","schemaVersion":1,"sagaId":"s","sagaType":"t","sagaVersion":1,"step":"a","phase":"pending","attempt":1,"idempotencyKey":"k","replyTo":{"topic":"r","partition":0},"payload":{},"dependencyOutputs":{},"deadline":5}"#

    func reason<Message: SagaMessage>(_ type: Message.Type, _ json: String) -> String {
        switch SagaMessageCodec.decode(type, from: Array(json.utf8)) {
        case .success(let message): return "accepted \(message)"
        case .failure(let error): return error.message
        }
    }

    func inbound(_ json: String, header: String? = nil) -> String {
        switch SagaMessageCodec.decodeInbound(Array(json.utf8), messageType: header) {
        case .success(let message): return "accepted \(message)"
        case .failure(let error): return error.message
        }
    }

    @Test func theValidMessagesAreAccepted() {
        #expect(reason(ParticipantReply.self, Self.reply).hasPrefix("accepted"))
        #expect(reason(ParticipantCommand.self, Self.command).hasPrefix("accepted"))
    }

    @Test(arguments: [
        (#""attempt":1"#, "", "missing field 'attempt'"),
        (#""attempt":1"#, #""attempt":null"#, "field 'attempt' is null (expected Int)"),
        (#""attempt":1"#, #""attempt":"1""#, "field 'attempt' has the wrong type (expected Int, found a string)"),
        (#""attempt":1"#, #""attempt":1.5"#, "field 'attempt' is invalid: 1.5 is not an integer that fits Int"),
        (#""attempt":1"#, #""attempt":1.0"#, "accepted"),
        (#""attempt":1"#, #""attempt":0"#, "attempt must be 1 or more"),
        (#""phase":"pending""#, #""phase":"later""#, "field 'phase' is invalid: 'later' is not a valid SagaPhase"),
        (#""outcome":"succeeded""#, #""outcome":true"#, "field 'outcome' has the wrong type (expected String, found a boolean)"),
        (#""schemaVersion":1"#, #""schemaVersion":2"#, "schemaVersion 2 is not supported (this reader knows 1)"),
        (#""messageType":"saga.participant.reply""#, #""messageType":"saga.start""#, "messageType is 'saga.start', expected 'saga.participant.reply'"),
        (#""sagaId":"s""#, #""sagaId":"s","extra":{"deep":[1,{"x":null}]}"#, "accepted"),
        (#""sagaId":"s""#, #""sagaId":"s","reason":null,"output":null"#, "accepted"),
        (#""sagaId":"s""#, #""sagaId":"s","output":[1,2"#, "not valid JSON: expected ',' or ']' in an array, found ':' at byte 91"),
    ])
    func replyReasons(replacing: String, with: String, expected: String) {
        var json = Self.reply.replacingOccurrences(of: replacing, with: with)
        if with.isEmpty { json = json.replacingOccurrences(of: ",,", with: ",").replacingOccurrences(of: ",}", with: "}") }
        let got = reason(ParticipantReply.self, json)
        if expected == "accepted" {
            #expect(got.hasPrefix("accepted"), "\(json)")
        } else {
            #expect(got == "saga.participant.reply: \(expected)", "\(json)")
        }
    }

    @Test func nestedFieldsAreNamedByTheirPath() {
        func variant(_ replacing: String, _ with: String) -> String {
            reason(ParticipantCommand.self, Self.command.replacingOccurrences(of: replacing, with: with))
        }
        #expect(variant(#""topic":"r","#, "") == "saga.participant.command: missing field 'replyTo.topic'")
        #expect(variant(#""partition":0"#, #""partition":3000000000"#)
            == "saga.participant.command: field 'replyTo.partition' is invalid: 3000000000 is not an integer that fits Int32")
        #expect(variant(#""replyTo":{"topic":"r","partition":0}"#, #""replyTo":"r""#)
            == "saga.participant.command: field 'replyTo' has the wrong type (expected an object, found a string)")
        #expect(variant(#""dependencyOutputs":{}"#, #""dependencyOutputs":[]"#)
            == "saga.participant.command: field 'dependencyOutputs' has the wrong type (expected an object, found an array)")
        #expect(variant(#""idempotencyKey":"k","#, "") == "saga.participant.command: missing field 'idempotencyKey'")
        #expect(variant(#""payload":{},"#, "") == "saga.participant.command: missing field 'payload'")
    }

    @Test func documentsThatAreNotObjectsOrNotJSON() {
        #expect(reason(ParticipantReply.self, "[]") == "saga.participant.reply: the document is not a JSON object (found an array)")
        #expect(reason(ParticipantReply.self, "{") == "saga.participant.reply: not valid JSON: unexpected end of the document at byte 1")
        #expect(reason(ParticipantReply.self, Self.reply + " x") == "saga.participant.reply: not valid JSON: unexpected 'x' after the document at byte \(Self.reply.utf8.count + 1)")
        #expect(reason(ControlCommand.self, "") == "saga.control: not valid JSON: unexpected end of the document at byte 0")
        var invalidUTF8 = Array(#"{"messageType":"saga.control","schemaVersion":1,"sagaId":"#.utf8)
        invalidUTF8 += [0x22, 0xFF, 0x22, 0x2C] + Array(#""action":"pause"}"#.utf8)
        switch SagaMessageCodec.decode(ControlCommand.self, from: invalidUTF8) {
        case .success: Issue.record("invalid UTF-8 accepted")
        case .failure(let error): #expect(error.message == "saga.control: not valid JSON: invalid UTF-8 in the string at byte 58")
        }
    }

    @Test func inboundMessagesAreSortedByTheirTypeOrHeader() {
        #expect(inbound(Self.reply).hasPrefix("accepted reply"))
        #expect(inbound(Self.reply, header: "saga.participant.reply").hasPrefix("accepted reply"))
        // The header wins: the reply is read as a start, and lacks what a start needs (as with Codable, before validation).
        #expect(inbound(Self.reply, header: "saga.start") == "saga.start: missing field 'sagaType'")
        #expect(inbound(#"{"messageType":1}"#) == "not a JSON object with a string messageType")
        #expect(inbound(#"{"a":1}"#) == "not a JSON object with a string messageType")
        #expect(inbound("[]") == "not a JSON object with a string messageType")
        #expect(inbound("{not json", header: "saga.control") == "saga.control: not valid JSON: expected a string key, found 'n' at byte 1")
        #expect(inbound(#"{"messageType":"saga.control","schemaVersion":1,"sagaId":"s","action":"pause"} trailing"#)
            == "saga.control: not valid JSON: unexpected 't' after the document at byte 79")
        // The type is read first, wherever it is; the rest is then read as that type.
        #expect(inbound(#"{"sagaId":"s","action":"cancel","schemaVersion":1,"messageType":"saga.control"}"#)
            == "accepted \(SagaMessageCodec.Inbound.control(ControlCommand(sagaId: "s", action: .cancel)))")
        #expect(inbound(#"{"sagaType":"x","messageType":"saga.start","schemaVersion":1,"payload":{"a":[1,2.5,"\u00e9"]}}"#)
            == "accepted \(SagaMessageCodec.Inbound.start(StartSagaCommand(sagaType: "x", payload: ["a": [1, 2.5, "é"]])))")
    }
}
