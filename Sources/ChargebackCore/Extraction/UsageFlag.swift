/// Why the numbers are what they are; recorded with the event.
enum UsageFlag {
    static let streamWithoutUsage = "stream_without_usage"
    static let streamTruncated = "stream_truncated"
    static let responseNotCaptured = "response_not_captured"
    static let requestNotCaptured = "request_not_captured"
    static let contentFiltered = "content_filtered"
    /// The gateway's forward-request timed out waiting for the backend (on-error): the backend may
    /// still finish, and bill, the call; the prompt is estimated, the output unknown.
    static let upstreamTimeout = "upstream_timeout"
    static let backgroundPending = "background_pending"
    static let usageMissing = "usage_missing"
    static let durationUnknown = "duration_unknown"
    static let defaultImageOptions = "default_image_options"
    static let batchPending = "batch_pending"
    static let batchTotal = "batch_total"
    /// The response could not be read (its shape, not the envelope's): estimated instead of refused.
    static let responseUnreadable = "response_unreadable"
    /// Usage read from `responseBodyTail` of a response over the capture limit.
    static let usageFromTail = "usage_from_tail"
    /// Output estimated from the response's length (bounded by the request's max tokens × n).
    static let outputFromLength = "output_estimated_from_length"
    /// A member that decides the price appeared twice in the request.
    static let duplicatedRequestMember = "duplicated_request_member"
    /// The body named two models; the deployment billed is the one the response's `model` shows Azure ran.
    static let modelFromResponse = "model_from_response"
    /// The body named two models and the response's `model` matches neither: the gateway's choice is billed.
    static let modelDisagreement = "model_disagreement"
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
        self = bytes.withUnsafeBufferPointer { folded in
            ByteSearch.contains(folded, "event-stream") ? .eventStream : ByteSearch.contains(folded, "json") ? .json : .other
        }
    }
}
