/// The few request-body fields extraction reads: the model (deployment on `/openai/v1/…`) and the
/// image size and quality that per-image prices depend on. Text is never read here.
struct RequestFacts {
    var model: String?
    var size: String?
    var quality: String?

    static func read(_ cursor: inout JSONCursor) throws(ScanError) -> RequestFacts {
        var facts = RequestFacts()
        try cursor.readObject { key, cursor throws(ScanError) in
            switch true {
            case cursor.bytes(key, equal: "model"): facts.model = try ResponseFacts.optionalText(&cursor)
            case cursor.bytes(key, equal: "size"): facts.size = try ResponseFacts.optionalText(&cursor)
            case cursor.bytes(key, equal: "quality"): facts.quality = try ResponseFacts.optionalText(&cursor)
            default: return false
            }
            return true
        }
        return facts
    }
}

/// Why the numbers are what they are; recorded with the event.
enum UsageFlag {
    static let streamWithoutUsage = "stream_without_usage"
    static let streamTruncated = "stream_truncated"
    static let responseNotCaptured = "response_not_captured"
    static let requestNotCaptured = "request_not_captured"
    static let contentFiltered = "content_filtered"
    static let backgroundPending = "background_pending"
    static let usageMissing = "usage_missing"
    static let durationUnknown = "duration_unknown"
    static let defaultImageOptions = "default_image_options"
    static let batchPending = "batch_pending"
    static let batchTotal = "batch_total"
}

/// A response content type reduced to what extraction needs.
enum ContentKind: Equatable {
    case json, eventStream, other, absent

    init(_ contentType: String?) {
        guard let contentType, !contentType.isEmpty else {
            self = .absent
            return
        }
        let bytes = Array(contentType.utf8.map { $0 | 0x20 })
        func has(_ word: String) -> Bool {
            let needle = Array(word.utf8)
            guard bytes.count >= needle.count else { return false }
            return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        self = has("event-stream") ? .eventStream : has("json") ? .json : .other
    }
}
