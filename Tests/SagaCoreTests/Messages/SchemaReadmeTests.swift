import Foundation
import SagaCore
import Testing

@Suite("schemas/README.md examples")
struct SchemaReadmeTests {
    /// The ```json blocks of the contract page.
    static func examples() throws -> [String] {
        let text = try String(contentsOf: SchemaFiles.directory.appendingPathComponent("README.md"), encoding: .utf8)
        return text.components(separatedBy: "```json\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
    }

    @Test func everyExampleMatchesItsSchemaAndDecodes() throws {
        let examples = try Self.examples()
        #expect(examples.count >= 6)
        let files = [
            StartSagaCommand.messageType: StartSagaCommand.schemaFile, ControlCommand.messageType: ControlCommand.schemaFile,
            ParticipantCommand.messageType: ParticipantCommand.schemaFile, ParticipantReply.messageType: ParticipantReply.schemaFile,
            ProgressEvent.messageType: ProgressEvent.schemaFile, DeadLetter.messageType: DeadLetter.schemaFile,
        ]
        var seen: Set<String> = []
        for example in examples {
            let bytes = Array(example.utf8)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            let type = try #require(json.objectValue?["messageType"]?.stringValue)
            seen.insert(type)
            let errors = try SchemaFiles.validator(try #require(files[type])).errors(json)
            #expect(errors.isEmpty, "\(type): \(errors)")
            let decoded: Bool
            switch type {
            case ParticipantCommand.messageType: decoded = (try? SagaMessageCodec.decode(ParticipantCommand.self, from: bytes).get()) != nil
            case ProgressEvent.messageType: decoded = (try? SagaMessageCodec.decode(ProgressEvent.self, from: bytes).get()) != nil
            case DeadLetter.messageType: decoded = (try? SagaMessageCodec.decode(DeadLetter.self, from: bytes).get()) != nil
            default: decoded = (try? SagaMessageCodec.decodeInbound(bytes).get()) != nil
            }
            #expect(decoded, "\(type) example does not decode")
        }
        #expect(seen == Set(files.keys))
    }
}
