/// Turns one payload-contract-v1 envelope into one usage event, reading only what billing needs.
public struct UsageExtractor: Sendable {
    public init() {}

    /// Extracts the usage event, or says why the envelope is refused.
    public func extract(_ envelope: [UInt8]) throws(ExtractionError) -> UsageEvent {
        let result = envelope.withUnsafeBytes { buffer -> Result<UsageEvent, ExtractionError> in
            do throws(ExtractionError) {
                return .success(try extract(buffer))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    func extract(_ buffer: UnsafeRawBufferPointer) throws(ExtractionError) -> UsageEvent {
        if let offset = UTF8Check.firstInvalidOffset(buffer) { throw .invalidUTF8(offset: offset) }
        let fields = try EnvelopeParser.parse(buffer)
        var event = try EnvelopeValidation.event(from: fields)
        let bytes = EnvelopeBytes(buffer: buffer)
        var request: RequestFacts?
        // The request decides the price where its body names the model (`/openai/v1/…`) or the image options.
        let bodyNamesModel = event.deployment.isEmpty || (fields.path ?? "").containsBytes("/v1/")
        if let span = fields.requestBody, bodyNamesModel || event.operation == .image {
            request = try? bytes.readJSON(span, "requestBody") { cursor throws(ScanError) in try RequestFacts.read(&cursor) }.get()
            if event.deployment.isEmpty, let model = request?.model { event.deployment = model }
            if request?.hasDuplicatedPriceMember == true { event.flags.append(UsageFlag.duplicatedRequestMember) }
        }
        let analysis = ResponseAnalysis(fields: fields, bytes: bytes, operation: event.operation, request: request)
        try analysis.apply(to: &event)
        if bodyNamesModel, let models = request?.models, Set(models).count > 1 { Self.decideModel(among: models, for: &event) }
        return event
    }

    /// A body naming the model twice: parsers disagree on which one wins (the gateway's and Azure's
    /// may differ), so the response's `model`, what Azure says it ran, decides. The deployment is the
    /// longest candidate the response's model starts with (`gpt-4o` for `gpt-4o-2024-08-06`, not
    /// `gpt-4o-mini`); when none does, the gateway's choice stays and the event says so.
    static func decideModel(among models: [String], for event: inout UsageEvent) {
        guard let reported = event.modelVersion?.lowercased() else {
            event.flags.append(UsageFlag.modelDisagreement)
            return
        }
        let matching = models.filter { reported.hasPrefix($0.lowercased()) }.max { $0.utf8.count < $1.utf8.count }
        guard let matching else {
            event.flags.append(UsageFlag.modelDisagreement)
            return
        }
        if matching != event.deployment {
            event.deployment = matching
            event.flags.append(UsageFlag.modelFromResponse)
        }
    }
}

/// Checks the envelope's required fields and builds the event's identity part.
enum EnvelopeValidation {
    static func event(from fields: EnvelopeFields) throws(ExtractionError) -> UsageEvent {
        guard let version = fields.schemaVersion else { throw .missingField("schemaVersion") }
        guard version <= EnvelopeParser.schemaVersion else { throw .unsupportedSchemaVersion(version) }
        guard version >= 1 else { throw .invalidField("schemaVersion", reason: "must be 1") }
        guard let source = fields.source else { throw .missingField("source") }
        guard source == "outbound" || source == "on-error" else { throw .invalidField("source", reason: "must be 'outbound' or 'on-error'") }
        guard let requestId = fields.requestId, !requestId.isEmpty else { throw .missingField("requestId") }
        guard requestId.utf8.count <= 128, requestId.utf8.allSatisfy(isIdentifierByte) else {
            throw .invalidField("requestId", reason: "must be at most 128 characters of A-Z a-z 0-9 . _ : -")
        }
        guard let timestampText = fields.timestamp else { throw .missingField("timestamp") }
        guard let timestamp = UTCTimestamp.parse(timestampText) else {
            throw .invalidField("timestamp", reason: "must be an ISO 8601 date-time with a zone, years 2000-2999")
        }
        let statusCode: Int64
        if let code = fields.statusCode {
            guard code == 0 && source == "on-error" || (100...599).contains(code) else { throw .invalidField("statusCode", reason: "must be an HTTP status") }
            statusCode = code
        } else {
            guard source == "on-error" else { throw .missingField("statusCode") }
            statusCode = 0
        }
        for (name, length) in [("requestBodyLength", fields.requestBodyLength), ("responseBodyLength", fields.responseBodyLength)] {
            if let length, length < -1 { throw .invalidField(name, reason: "must be -1 (not captured) or a length") }
        }
        let path = fields.path ?? ""
        let operation = Operation.from(path: path)
        let deployment = nonEmpty(fields.deployment) ?? Operation.deployment(inPath: path) ?? ""
        var event = UsageEvent(
            requestId: requestId, timestamp: timestamp, subscriptionId: nonEmpty(fields.subscriptionId) ?? "anonymous",
            deployment: deployment, operation: operation, statusCode: Int(statusCode),
            isStream: fields.isStream ?? false || ContentKind(fields.responseContentType) == .eventStream,
            usageSource: .none, meters: Meters(), source: source)
        event.subscriptionName = nonEmpty(fields.subscriptionName)
        event.productId = nonEmpty(fields.productId)
        event.userId = nonEmpty(fields.userId)
        event.apiId = nonEmpty(fields.apiId)
        event.operationId = nonEmpty(fields.operationId)
        event.gatewayRegion = nonEmpty(fields.gatewayRegion)
        event.backendRegion = nonEmpty(fields.backendRegion)
        return event
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || byte &- 0x30 < 10
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }
}
