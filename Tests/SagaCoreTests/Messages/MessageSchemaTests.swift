import Foundation
import SagaCore
import Testing

@Suite("Messages against their JSON Schemas")
struct MessageSchemaTests {
    static let command = ParticipantCommand(
        sagaId: "s-1", sagaType: "checkout", sagaVersion: 2, step: "payment", phase: .pending, attempt: 1,
        replyTo: .init(topic: "saga.replies", partition: 7), payload: ["amount": 1250, "currency": "EUR"],
        dependencyOutputs: ["stock": ["reservation": "r-9"]], deadline: SagaTime(milliseconds: 1_700_000_030_000)
    )

    func check<M: SagaMessage>(_ message: M) throws {
        let bytes = try SagaMessageCodec.encode(message)
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        let errors = try SchemaFiles.validator(M.schemaFile).errors(json)
        #expect(errors.isEmpty, "\(M.messageType): \(errors)")
        #expect(try SagaMessageCodec.decode(M.self, from: bytes).get() == message)
    }

    @Test func everyMessageTheCoreMakesMatchesItsSchema() throws {
        try check(StartSagaCommand(sagaType: "checkout", businessKey: "order-1", payload: ["items": [1, 2]], onConflict: .reject))
        try check(StartSagaCommand(sagaType: "checkout"))
        try check(ControlCommand(sagaId: "s-1", action: .retry, step: "payment", reason: "fixed", requestedBy: "ops"))
        try check(ControlCommand(sagaId: "s-1", action: .pause))
        try check(Self.command)
        try check(ParticipantReply(to: Self.command, outcome: .failedRetryable, reason: "busy"))
        try check(ParticipantReply(to: Self.command, outcome: .succeeded, output: ["charge": "ch_1"]))
        try check(DeadLetter(originalBase64: "e30=", originalKeyBase64: "cy0x", topic: "saga.replies", partition: 1, offset: 42, reason: "bad", time: SagaTime(milliseconds: 5)))
    }

    @Test func everyProgressEventOfARunMatchesItsSchema() throws {
        var h = try Harness(Sagas.fanOut())
        h.reply("a", .pending, .failedRetryable)
        h.fireTimer()
        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .pause)))
        h.feed(.control(ControlCommand(sagaId: "saga-1", action: .resume)))
        h.reply("a", .pending)
        h.reply("b", .pending, .rejected, reason: "no")
        h.reply("c", .pending)
        h.reply("b", .compensate)
        h.reply("c", .compensate)
        h.reply("a", .compensate)
        let validator = try SchemaFiles.validator(ProgressEvent.schemaFile)
        let commandValidator = try SchemaFiles.validator(ParticipantCommand.schemaFile)
        for event in h.events {
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(try SagaMessageCodec.encode(event)))
            #expect(validator.errors(json).isEmpty, "\(event.event): \(validator.errors(json))")
        }
        for command in h.commands {
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(try SagaMessageCodec.encode(command)))
            #expect(commandValidator.errors(json).isEmpty)
        }
        #expect(h.events.count > 10)
    }

    @Test(arguments: [
        ("participant-reply.v1.json", #"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"pending","attempt":1}"#),
        ("participant-reply.v1.json", #"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"later","attempt":1,"outcome":"succeeded"}"#),
        ("participant-reply.v1.json", #"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"pending","attempt":0,"outcome":"succeeded"}"#),
        ("participant-reply.v1.json", #"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"pending","attempt":"1","outcome":"succeeded"}"#),
        ("start-saga.v1.json", #"{"messageType":"saga.start","schemaVersion":1,"sagaType":"","payload":{}}"#),
        ("start-saga.v1.json", #"{"messageType":"saga.start","schemaVersion":1,"sagaType":"x","payload":[]}"#),
        ("start-saga.v1.json", #"{"messageType":"saga.start","schemaVersion":2,"sagaType":"x","payload":{}}"#),
        ("start-saga.v1.json", #"{"messageType":"saga.start","schemaVersion":1,"sagaType":"x","payload":{},"onConflict":"replace"}"#),
        ("control.v1.json", #"{"messageType":"saga.control","schemaVersion":1,"sagaId":"s","action":"retry"}"#),
        ("control.v1.json", #"{"messageType":"saga.control","schemaVersion":1,"sagaId":"s","action":"explode"}"#),
        ("participant-command.v1.json", #"{"messageType":"saga.participant.command","schemaVersion":1,"sagaId":"s","sagaType":"t","sagaVersion":1,"step":"a","phase":"pending","attempt":1,"idempotencyKey":"k","replyTo":{"topic":"r","partition":-1},"payload":{},"dependencyOutputs":{},"deadline":5}"#),
        ("dead-letter.v1.json", #"{"messageType":"saga.dead-letter","schemaVersion":1,"originalBase64":"not base64!","topic":"t","partition":0,"offset":1,"reason":"r"}"#),
        ("progress-event.v1.json", #"{"messageType":"saga.progress","schemaVersion":1,"sagaId":"s","sagaType":"t","sagaVersion":1,"sequence":0,"event":"sagaStarted","state":"executing","paused":false,"time":1}"#),
    ])
    func invalidMessagesAreRefusedByTheSchemaAndTheDecoder(file: String, json: String) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        #expect(!(try SchemaFiles.validator(file).errors(value)).isEmpty, "the schema accepts \(json)")
        let bytes = Array(json.utf8)
        let refused: Bool
        switch file {
        case "participant-reply.v1.json": refused = (try? SagaMessageCodec.decode(ParticipantReply.self, from: bytes).get()) == nil
        case "start-saga.v1.json": refused = (try? SagaMessageCodec.decode(StartSagaCommand.self, from: bytes).get()) == nil
        case "control.v1.json": refused = (try? SagaMessageCodec.decode(ControlCommand.self, from: bytes).get()) == nil
        case "participant-command.v1.json": refused = (try? SagaMessageCodec.decode(ParticipantCommand.self, from: bytes).get()) == nil
        case "progress-event.v1.json": refused = (try? SagaMessageCodec.decode(ProgressEvent.self, from: bytes).get()) == nil
        default: refused = (try? SagaMessageCodec.decode(DeadLetter.self, from: bytes).get()) == nil
        }
        #expect(refused, "the decoder accepts \(json)")
    }

    @Test func decoderGivesAReasonFitForADeadLetter() {
        func reason(_ json: String) -> String {
            switch SagaMessageCodec.decodeInbound(Array(json.utf8)) {
            case .success(let message): return "accepted \(message)"
            case .failure(let error): return error.message
            }
        }
        #expect(reason("{not json") == "not valid JSON: expected a string key, found 'n' at byte 1")
        #expect(reason("[1, 2]") == "not a JSON object with a string messageType")
        #expect(reason(#"{"messageType":"saga.nope"}"#) == "unknown messageType 'saga.nope'")
        #expect(reason(#"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"pending","attempt":1}"#)
            == "saga.participant.reply: missing field 'outcome'")
        #expect(reason(#"{"messageType":"saga.participant.reply","schemaVersion":1,"sagaId":"s","step":"a","phase":"pending","attempt":"x","outcome":"rejected"}"#)
            .hasPrefix("saga.participant.reply: field 'attempt' has the wrong type"))
        #expect(reason(#"{"messageType":"saga.control","schemaVersion":1,"sagaId":"s","action":"retry"}"#) == "saga.control: retry needs a step")
        let ok = SagaMessageCodec.decodeInbound(Array(#"{"messageType":"saga.start","schemaVersion":1,"sagaType":"x","payload":{}}"#.utf8))
        #expect((try? ok.get()) == .start(StartSagaCommand(sagaType: "x")))
    }

    @Test func everySchemaFileIsCoveredAndUsesOnlySupportedKeywords() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: SchemaFiles.directory.path).filter { $0.hasSuffix(".json") }.sorted()
        let expected = [StartSagaCommand.schemaFile, ControlCommand.schemaFile, ParticipantCommand.schemaFile,
                        ParticipantReply.schemaFile, ProgressEvent.schemaFile, DeadLetter.schemaFile].sorted()
        #expect(files == expected)
        for file in files { _ = try SchemaFiles.validator(file) }
    }
}
