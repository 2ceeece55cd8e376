/// Decides an event's meters from the response (JSON, SSE, error or absent) and, when the service
/// reported nothing, from the documented estimator over the request.
struct ResponseAnalysis {
    let fields: EnvelopeFields
    let bytes: EnvelopeBytes
    let operation: Operation
    let request: RequestFacts?

    /// What the response's content type says, read once.
    let contentType: ContentKind

    init(fields: EnvelopeFields, bytes: EnvelopeBytes, operation: Operation, request: RequestFacts?) {
        self.fields = fields
        self.bytes = bytes
        self.operation = operation
        self.request = request
        self.contentType = ContentKind(fields.responseContentType)
    }

    func apply(to event: inout UsageEvent) throws(ExtractionError) {
        if fields.requestBody == nil { event.flags.append(UsageFlag.requestNotCaptured) }
        if event.source == "on-error" || event.statusCode >= 400 || event.statusCode == 0 {
            return try applyError(to: &event)
        }
        guard let body = fields.responseBody else {
            event.flags.append(UsageFlag.responseNotCaptured)
            return try applyUncaptured(to: &event)
        }
        if let facts = streamUsageFromTail(body, event: event) {
            event.isStream = true
            return try applyStreamFacts(facts, to: &event)
        }
        // The body is decoded once; everything below reads the decoded bytes.
        let current = event
        let analyzed = bytes.withBody(body, "responseBody") { buffer in
            var updated = current
            do throws(ExtractionError) {
                try analyze(buffer, event: &updated)
                return .success(updated)
            } catch {
                return .failure(error)
            }
        }
        switch analyzed {
        case let .success(updated):
            event = updated
        case .failure:
            // The client received this answer: it is billed whatever its shape. Only an invalid
            // envelope is refused (400); an unreadable response is estimated and flagged.
            event.flags.append(UsageFlag.responseUnreadable)
            event.meters = Meters()
            event.usageSource = .none
            try applyEstimate(to: &event, streamedCharacters: nil)
            applyOutputFromLength(to: &event, length: fields.responseBodyLength ?? Int64(body.range.count))
        }
    }

    /// A body over the capture limit: the usage from its tail when the policy sent one, else an
    /// estimate whose output comes from the body's length, so a 200 with a body is never free.
    func applyUncaptured(to event: inout UsageEvent) throws(ExtractionError) {
        if [.chat, .completion, .response, .embedding].contains(operation), let tail = fields.responseBodyTail,
           let usage = try? bytes.withBody(tail, "responseBodyTail", { .success(TailUsage.read($0)) }).get(),
           let meters = try? usage.textMeters() {
            event.meters = meters
            event.usageSource = .reported
            event.flags.append(UsageFlag.usageFromTail)
            return
        }
        try applyEstimate(to: &event, streamedCharacters: nil)
        applyOutputFromLength(to: &event, length: fields.responseBodyLength ?? -1)
    }

    /// Output tokens of a successful text answer from its byte length (⌈bytes ÷ 4⌉, which counts
    /// the JSON around the text too), at most the request's max tokens × n; at least 1 when there was
    /// a body. Nothing when the length is unknown (-1) or the call failed.
    func applyOutputFromLength(to event: inout UsageEvent, length: Int64) {
        guard [.chat, .completion, .response].contains(operation), (200...299).contains(event.statusCode), length > 0,
              event.meters.outputTokens == 0 else { return }
        var tokens = max(1, TokenEstimator.tokens(characters: length))
        if let bound = requestForBounds?.maxOutputTokens {
            let choices = max(1, requestForBounds?.choices ?? 1)
            let (product, overflow) = bound.multipliedReportingOverflow(by: choices)
            if !overflow { tokens = max(1, min(tokens, product)) }
        }
        event.meters.outputTokens = min(tokens, UsageNumbers.limit)
        event.usageSource = .estimated
        event.flags.append(UsageFlag.outputFromLength)
    }

    /// The request's facts for bounding an estimate: the ones already read, else read now.
    var requestForBounds: RequestFacts? {
        if let request { return request }
        guard let span = fields.requestBody else { return nil }
        return try? bytes.readJSON(span, "requestBody") { cursor throws(ScanError) in try RequestFacts.read(&cursor) }.get()
    }

    func analyze(_ body: UnsafeRawBufferPointer, event: inout UsageEvent) throws(ExtractionError) {
        let isSSE = StreamFacts.looksLikeSSE(body)
        if contentType == .eventStream || (event.isStream && contentType != .json && isSSE) {
            guard isSSE else { throw .bodyContentTypeMismatch(body: "responseBody", expected: "text/event-stream") }
            event.isStream = true
            return try applyStream(body, to: &event)
        }
        if operation == .other {
            // Files, models, batches' inputs and outputs: bill nothing, refuse nothing.
            let facts = try? EnvelopeBytes.readJSON(body, "responseBody", { cursor throws(ScanError) in try ResponseFacts.read(&cursor) }).get()
            noteCreation(id: facts?.id, on: &event)
            if let usage = facts?.usage, let meters = try? usage.textMeters() {
                event.meters = meters
                event.usageSource = .reported
            }
            return
        }
        if contentType == .json || contentType == .absent {
            let facts = try EnvelopeBytes.readJSON(body, "responseBody") { cursor throws(ScanError) in try ResponseFacts.read(&cursor) }.get()
            return try applyJSON(facts, to: &event)
        }
        // Binary or plain-text answers: speech audio, `response_format=text` transcriptions.
        try applyWithoutUsage(to: &event)
    }

    func applyJSON(_ facts: ResponseFacts, to event: inout UsageEvent) throws(ExtractionError) {
        event.modelVersion = facts.model.flatMap { $0.isEmpty ? nil : $0 }
        switch operation {
        case .image:
            if let usage = facts.usage { event.meters = try usage.imageMeters() }
            event.meters.images = facts.dataCount ?? 0
            setImageOptions(size: facts.size, quality: facts.quality, on: &event)
            event.usageSource = .reported
        case .transcription:
            if let usage = facts.usage {
                event.meters = try usage.transcriptionMeters()
                event.usageSource = .reported
            } else if let duration = facts.durationMilliseconds {
                event.meters.audioMilliseconds = duration
                event.usageSource = .reported
            } else {
                event.flags.append(UsageFlag.durationUnknown)
            }
        case .speech:
            try applyWithoutUsage(to: &event)
        case .response:
            event.responseId = facts.id
            noteCreation(id: facts.id, on: &event)
            if let usage = facts.usage {
                event.meters = try usage.textMeters()
                event.usageSource = .reported
            } else if ["queued", "in_progress"].contains(facts.status ?? "") {
                event.flags.append(UsageFlag.backgroundPending)
            } else {
                event.flags.append(UsageFlag.usageMissing)
            }
        case .batch:
            // A batch's total usage arrives on the batch object once it completed (batches created
            // after 2025-09-07); the ledger counts it once per batch id however often it is polled.
            event.batchId = facts.id
            noteCreation(id: facts.id, on: &event)
            if (200..<300).contains(event.statusCode) { event.producedFiles = facts.producedFiles }
            if let usage = facts.usage, facts.status == "completed" {
                event.meters = try usage.textMeters()
                event.usageSource = .reported
                event.flags.append(UsageFlag.batchTotal)
            } else {
                event.flags.append(UsageFlag.batchPending)
            }
        case .chat, .completion, .embedding, .other:
            if let usage = facts.usage {
                event.meters = try usage.textMeters()
                event.usageSource = .reported
            } else if operation != .other {
                event.flags.append(UsageFlag.usageMissing)
                try applyEstimate(to: &event, streamedCharacters: nil)
            }
        }
    }

    /// Remembers the object a successful create call made (`POST …/responses|batches|files`), so the
    /// ledger records its owner; any other call leaves `createdObject` nil.
    func noteCreation(id: String?, on event: inout UsageEvent) {
        event.createdObject = ObjectReference.created(method: fields.method, path: fields.path, statusCode: event.statusCode, id: id)
    }

    /// A buffered stream's usage is in its last events: decode only those when they have it.
    func streamUsageFromTail(_ body: BodySpan, event: UsageEvent) -> StreamFacts? {
        guard body.hasEscapes, contentType == .eventStream, let start = bytes.escapedTailStart(body, events: 4) else { return nil }
        let tail = BodySpan(range: start..<body.range.upperBound, hasEscapes: true)
        let facts = try? bytes.withBody(tail, "responseBody") { buffer in
            do throws(ExtractionError) { return .success(try StreamFacts.readEvents(buffer)) } catch { return .failure(error) }
        }.get()
        return facts?.usage == nil ? nil : facts
    }

    func applyStream(_ body: UnsafeRawBufferPointer, to event: inout UsageEvent) throws(ExtractionError) {
        try applyStreamFacts(try StreamFacts.read(body), to: &event)
    }

    func applyStreamFacts(_ facts: StreamFacts, to event: inout UsageEvent) throws(ExtractionError) {
        event.modelVersion = facts.model
        event.responseId = facts.responseId
        noteCreation(id: facts.responseId, on: &event)
        if facts.isTruncated || !facts.isComplete { event.flags.append(UsageFlag.streamTruncated) }
        if let usage = facts.usage {
            event.meters = try usage.textMeters()
            event.usageSource = .reported
            return
        }
        event.flags.append(UsageFlag.streamWithoutUsage)
        try applyEstimate(to: &event, streamedCharacters: facts.streamedCharacters)
    }

    func applyError(to event: inout UsageEvent) throws(ExtractionError) {
        // APIM gave up waiting for the backend's headers (forward-request timeout, 240 s at most):
        // Azure OpenAI was already generating, and may finish and bill the call. Never free: the
        // prompt is estimated and the event flagged (the output is not known).
        if event.source == "on-error", fields.lastErrorSource == "forward-request", fields.lastErrorReason?.lowercased().contains("timeout") == true {
            event.flags.append(UsageFlag.upstreamTimeout)
            return try applyEstimate(to: &event, streamedCharacters: nil)
        }
        guard event.statusCode == 400, let body = fields.responseBody,
              let facts = try? bytes.readJSON(body, "responseBody", { cursor throws(ScanError) in try ResponseFacts.read(&cursor) }).get(),
              facts.errorCode == "content_filter" || facts.innerErrorCode == "ResponsibleAIPolicyViolation"
        else { return }
        // Azure bills a prompt rejected by the content filter: it was evaluated.
        event.flags.append(UsageFlag.contentFiltered)
        try applyEstimate(to: &event, streamedCharacters: nil)
    }

    /// Prompt tokens from the request; completion tokens from streamed text when there was a stream.
    func applyEstimate(to event: inout UsageEvent, streamedCharacters: Int64?) throws(ExtractionError) {
        if operation == .speech { return try applyWithoutUsage(to: &event) }
        guard [.chat, .completion, .embedding, .response, .image].contains(operation), let span = fields.requestBody else { return }
        let operation = self.operation
        guard let prompt = try? bytes.readJSON(span, "requestBody", { cursor throws(ScanError) in
            try TokenEstimator.promptTokens(&cursor, operation: operation)
        }).get() else { return }
        event.meters.inputTokens = prompt
        if let streamedCharacters { event.meters.outputTokens = TokenEstimator.tokens(characters: streamedCharacters) }
        event.usageSource = .estimated
    }

    /// Speech bills the characters of the request's `input`, read from the request.
    func applyWithoutUsage(to event: inout UsageEvent) throws(ExtractionError) {
        guard operation == .speech else {
            if operation == .transcription { event.flags.append(UsageFlag.durationUnknown) }
            return
        }
        guard let span = fields.requestBody,
              let characters = try? bytes.readJSON(span, "requestBody", { cursor throws(ScanError) in try TokenEstimator.speechCharacters(&cursor) }).get()
        else { return }
        event.meters.characters = characters
        event.usageSource = .reported
    }

    func setImageOptions(size: String?, quality: String?, on event: inout UsageEvent) {
        event.meters.imageSize = size ?? request?.size
        event.meters.imageQuality = quality ?? request?.quality
        if event.meters.imageSize == nil || event.meters.imageQuality == nil {
            // The image APIs' defaults when the request did not say.
            event.meters.imageSize = event.meters.imageSize ?? "1024x1024"
            event.meters.imageQuality = event.meters.imageQuality ?? "standard"
            event.flags.append(UsageFlag.defaultImageOptions)
        }
    }
}
