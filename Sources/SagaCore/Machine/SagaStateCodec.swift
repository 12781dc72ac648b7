/// Encodes and decodes ``SagaState`` snapshots as JSON, by hand: several times faster than `Codable`.
///
/// The document is the one `SagaState`'s `Codable` conformance describes (one- or two-letter keys,
/// zero values left out), written as `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes
/// it. Snapshots move freely between the two: a state encoded with `JSONEncoder` (with any options)
/// decodes here, and one encoded here decodes with `JSONDecoder`.
public enum SagaStateCodec {
    /// Encodes a state as compact JSON with sorted keys.
    /// - Parameter state: the snapshot.
    /// - Returns: the JSON, never empty.
    /// - Throws: ``SagaCoreError/unencodable(_:file:line:)`` when the payload or an output holds what JSON
    ///   cannot carry (a non-finite number, which no decoded document can; `JSONEncoder` refuses it too).
    public static func encode(_ state: SagaState) throws(SagaCoreError) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + 48 * state.steps.count)
        state.writeJSON(to: &writer)
        return try writer.result()
    }

    /// Decodes a state. Unknown keys are ignored; absent optional keys take their zero values.
    /// - Parameter bytes: the JSON of one snapshot.
    /// - Throws: ``SagaCoreError/malformedState(_:file:line:)`` saying what is wrong (not JSON, a missing or
    ///   mistyped field).
    public static func decode(_ bytes: some Collection<UInt8>) throws(SagaCoreError) -> SagaState {
        try JSONReader.withBuffer(bytes, decode).get()
    }

    private static func decode(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<SagaState, SagaCoreError> {
        var reader = JSONReader(buffer)
        do throws(JSONReadError) {
            let state = try SagaState(reading: &reader)
            try reader.finish()
            return .success(state)
        } catch {
            return .failure(.malformedState("saga state: \(error.reason)"))
        }
    }
}

extension SagaState {
    /// Writes the keys in UTF-8 order: at dl fail id ig in k pz q r rp s st t tp v why.
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("at", startedAt.milliseconds)
        writer.field("dl", deadline.milliseconds)
        writer.field("fail", failureReason)
        writer.field("id", sagaID)
        if ignoredInputs != 0 { writer.field("ig", ignoredInputs) }
        writer.field("in", payload)
        writer.field("k", businessKey)
        if paused { writer.field("pz", true) }
        writer.field("q", sequence)
        writer.key("r")
        writer.unsigned(random)
        writer.field("rp", Int64(replyPartition))
        writer.key("s")
        writer.beginArray()
        for step in steps {
            writer.arrayElement()
            step.writeJSON(to: &writer)
        }
        writer.endArray()
        writer.field("st", status.rawValue)
        writer.field("t", sagaType)
        writer.field("tp", traceparent)
        writer.field("v", sagaVersion)
        writer.field("why", reason)
        writer.endObject()
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var sagaID: String?, sagaType: String?, sagaVersion: Int?, businessKey: String?, status: SagaStatus?
        var paused: Bool?, payload: JSONValue?, steps: [StepState]?, sequence: Int64?, random: UInt64?
        var startedAt: Int64?, deadline: Int64?, replyPartition: Int32?, ignoredInputs: Int64?
        var reason: String?, failureReason: String?, traceparent: String?
        var object = try reader.beginObject("")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "id": sagaID = try reader.readString("id")
            case "t": sagaType = try reader.readString("t")
            case "v": sagaVersion = try reader.readInteger(Int.self, "v")
            case "k": businessKey = try reader.readOptionalString("k")
            case "st": status = try reader.readEnum(SagaStatus.self, "st")
            case "pz": paused = try reader.readOptionalBool("pz")
            case "in": payload = try reader.readValue()
            case "s": steps = try Self.readSteps(&reader)
            case "q": sequence = try reader.readInteger(Int64.self, "q")
            case "r": random = try reader.readInteger(UInt64.self, "r")
            case "at": startedAt = try reader.readInteger(Int64.self, "at")
            case "dl": deadline = try reader.readInteger(Int64.self, "dl")
            case "rp": replyPartition = try reader.readInteger(Int32.self, "rp")
            case "ig": ignoredInputs = try reader.readOptionalInteger(Int64.self, "ig")
            case "why": reason = try reader.readOptionalString("why")
            case "fail": failureReason = try reader.readOptionalString("fail")
            case "tp": traceparent = try reader.readOptionalString("tp")
            default: try reader.skipValue()
            }
        }
        // Missing fields are reported in the order the Codable conformance reads them.
        self.sagaID = try required(sagaID, "id")
        self.sagaType = try required(sagaType, "t")
        self.sagaVersion = try required(sagaVersion, "v")
        self.businessKey = businessKey
        self.status = try required(status, "st")
        self.paused = paused ?? false
        self.payload = try required(payload, "in")
        self.steps = try required(steps, "s")
        self.sequence = try required(sequence, "q")
        self.random = try required(random, "r")
        self.startedAt = SagaTime(milliseconds: try required(startedAt, "at"))
        self.deadline = SagaTime(milliseconds: try required(deadline, "dl"))
        self.replyPartition = try required(replyPartition, "rp")
        self.ignoredInputs = ignoredInputs ?? 0
        self.reason = reason
        self.failureReason = failureReason
        self.traceparent = traceparent
    }

    private static func readSteps(_ reader: inout JSONReader) throws(JSONReadError) -> [StepState] {
        var steps: [StepState] = []
        var array = try reader.beginArray("s")
        while try reader.nextElement(&array) {
            steps.append(try StepState(reading: &reader, index: steps.count))
        }
        return steps
    }
}

extension StepState {
    /// Writes the keys in UTF-8 order (a d o p s), leaving zero values out as the `Codable` conformance does.
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        if attempt != 0 { writer.field("a", Int64(attempt)) }
        if due != 0 { writer.field("d", due) }
        writer.field("o", output)
        writer.key("p")
        writer.unsigned(UInt64(progress.rawValue))
        if pendingSent { writer.field("s", true) }
        writer.endObject()
    }

    init(reading reader: inout JSONReader, index: Int) throws(JSONReadError) {
        self.init()
        var progress: UInt8?
        var object = try reader.beginObject("s[\(index)]")
        while let key = try reader.nextKey(&object) {
            switch key {
            case "p": progress = try reader.readInteger(UInt8.self, "s[\(index)].p")
            case "a": attempt = try reader.readOptionalInteger(Int32.self, "s[\(index)].a") ?? 0
            case "d": due = try reader.readOptionalInteger(Int64.self, "s[\(index)].d") ?? 0
            case "s": pendingSent = try reader.readOptionalBool("s[\(index)].s") ?? false
            case "o": output = try reader.readOptionalValue()
            default: try reader.skipValue()
            }
        }
        let raw = try required(progress, "s[\(index)].p")
        guard let known = Progress(rawValue: raw) else { throw .invalid("s[\(index)].p", "\(raw) is not a step progress") }
        self.progress = known
    }
}
