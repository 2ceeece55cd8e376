#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a server-sent-event body says about usage: chat chunks (the chunk with a non-null `usage`,
/// Azure's first chunk has empty `choices` too) and Responses events (`response.completed`,
/// `response.incomplete`, `response.failed` carry `response.usage`).
struct StreamFacts {
    var usage: UsageNumbers?
    var model: String?
    var responseId: String?
    var status: String?
    var streamedCharacters: Int64 = 0
    var events = 0
    /// True when the body ended inside an event (the stream was cut off).
    var isTruncated = false
    /// True when `data: [DONE]` or a terminal Responses event was seen.
    var isComplete = false

    /// Reads an SSE body. The usage is in one of the last events (before `[DONE]`, or the terminal
    /// Responses event), so the tail is read first; only a stream without usage is read whole, for
    /// the estimate. A malformed complete event is an error; a malformed last event without its
    /// terminating blank line is a cut-off stream.
    static func read(_ buffer: UnsafeRawBufferPointer) throws(ExtractionError) -> StreamFacts {
        let tailStart = startOfLastEvents(buffer, count: 4)
        if tailStart > 0, let base = buffer.baseAddress,
           let tail = try? readEvents(UnsafeRawBufferPointer(start: base + tailStart, count: buffer.count - tailStart)), tail.usage != nil {
            return tail
        }
        return try readEvents(buffer)
    }

    /// The offset where the last `count` events begin (0 when the body has no more than that).
    static func startOfLastEvents(_ buffer: UnsafeRawBufferPointer, count: Int) -> Int {
        var index = buffer.count - 1
        while index >= 0, buffer[index] == 0x0A || buffer[index] == 0x0D { index -= 1 }
        var found = 0
        while index > 0 {
            if buffer[index] == 0x0A, buffer[index - 1] == 0x0A || (index >= 3 && buffer[index - 1] == 0x0D && buffer[index - 2] == 0x0A) {
                found += 1
                if found == count { return index + 1 }
            }
            index -= 1
        }
        return 0
    }

    static func readEvents(_ buffer: UnsafeRawBufferPointer) throws(ExtractionError) -> StreamFacts {
        var facts = StreamFacts()
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return facts }
        let count = buffer.count
        var index = 0
        var data: [UInt8] = []
        var hasData = false
        func dispatch(isTerminated: Bool) throws(ExtractionError) {
            defer {
                data.removeAll(keepingCapacity: true)
                hasData = false
            }
            guard hasData else { return }
            facts.events += 1
            if data.elementsEqual("[DONE]".utf8) {
                facts.isComplete = true
                return
            }
            switch parseEvent(data) {
            case let .success(event):
                facts.absorb(event)
            case let .failure(error):
                if let usage = error.usageError { throw usage }
                guard isTerminated else {
                    facts.isTruncated = true
                    return
                }
                throw .invalidSSE(event: facts.events, reason: "data is not a JSON object")
            }
        }
        while index < count {
            let lineEnd = memchr(base + index, 0x0A, count - index).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? count
            var line = index..<lineEnd
            if line.count > 0, base[line.upperBound - 1] == 0x0D { line = line.lowerBound..<(line.upperBound - 1) }
            let isLast = lineEnd >= count
            index = lineEnd + 1
            if line.isEmpty {
                try dispatch(isTerminated: true)
                continue
            }
            if base[line.lowerBound] == UInt8(ascii: ":") { continue }
            let colon = memchr(base + line.lowerBound, 0x3A, line.count).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? line.upperBound
            let field = UnsafeBufferPointer(start: base + line.lowerBound, count: colon - line.lowerBound)
            var valueStart = min(colon + 1, line.upperBound)
            if valueStart < line.upperBound, base[valueStart] == 0x20 { valueStart += 1 }
            if field.elementsEqual("data".utf8) {
                if hasData { data.append(0x0A) }
                data.append(contentsOf: UnsafeBufferPointer(start: base + valueStart, count: line.upperBound - valueStart))
                hasData = true
            } else if !(field.elementsEqual("event".utf8) || field.elementsEqual("id".utf8) || field.elementsEqual("retry".utf8)) {
                throw .invalidSSE(event: facts.events + 1, reason: "unknown field in an event")
            }
            if isLast { try dispatch(isTerminated: false) }
        }
        try dispatch(isTerminated: false)
        return facts
    }

    /// One event's data as JSON facts.
    static func parseEvent(_ data: [UInt8]) -> Result<ResponseFacts, ScanError> {
        data.withUnsafeBytes { bytes in
            var cursor = JSONCursor(bytes, maxDepth: 64)
            cursor.skipsAnyDepth = true
            do throws(ScanError) {
                let event = try ResponseFacts.read(&cursor)
                guard cursor.peek() == nil else { return .failure(cursor.fail("trailing characters")) }
                return .success(event)
            } catch {
                return .failure(error)
            }
        }
    }

    mutating func absorb(_ event: ResponseFacts) {
        if let usage = event.usage { self.usage = usage }
        if model == nil || model == "", let eventModel = event.model, !eventModel.isEmpty { model = eventModel }
        if let id = event.id, id.hasPrefix("resp_") { responseId = id }
        if let eventStatus = event.status { status = eventStatus }
        if ["completed", "incomplete", "failed", "cancelled"].contains(event.status ?? "") { isComplete = true }
        streamedCharacters += event.streamedCharacters
    }

    /// True when the body looks like SSE (its first field is one SSE knows).
    static func looksLikeSSE(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < buffer.count, [0x20, 0x0A, 0x0D, 0x09].contains(buffer[index]) { index += 1 }
        let rest = buffer[index...]
        return ["data:", "event:", ":", "id:", "retry:"].contains { rest.starts(with: $0.utf8) } || index == buffer.count
    }
}
