/// One synthetic Responses API `response`, rendered whole or as its event stream.
struct ResponsesObject: Sendable {
    /// `resp_…`.
    let id: String
    /// The message item's `msg_…`.
    let messageId: String
    /// The reasoning item's id, for reasoning models.
    let reasoningId: String?
    /// Unix seconds.
    let created: Int
    /// The model version reported.
    let model: String
    /// The request, for the members a response echoes.
    let request: ResponsesRequest
    /// The token numbers.
    let usage: TextUsage
    /// The visible text, one word per token.
    let text: [String]
    /// True when the content filter stopped the output.
    let isFiltered: Bool

    /// `completed`, or `incomplete` when the content filter stopped it.
    var finalStatus: String { isFiltered ? "incomplete" : "completed" }

    /// The reasoning output item (no summary), as `responses.json` shows it.
    var reasoningItem: JSONText? {
        reasoningId.map { .members(["id": .string($0), "type": .string("reasoning"), "summary": .array([])]) }
    }

    /// The `output_text` content part.
    var textPart: JSONText {
        .members(["type": .string("output_text"), "annotations": .array([]), "text": .string(text.joined(separator: " "))])
    }

    /// The assistant message item; `isDone` gives it its content and final status.
    func messageItem(isDone: Bool) -> JSONText {
        .members([
            "id": .string(messageId), "type": .string("message"),
            "status": .string(isDone ? finalStatus : "in_progress"), "role": .string("assistant"),
            "content": .array(isDone ? [textPart] : []),
        ])
    }

    /// The `response` object: final (with output and usage) or as it is while in progress.
    func json(isFinal: Bool) -> JSONText {
        let output: [JSONText] = isFinal ? (reasoningItem.map { [$0] } ?? []) + [messageItem(isDone: true)] : []
        let incomplete: JSONText = isFinal && isFiltered ? .members(["reason": .string("content_filter")]) : .null
        return .members([
            "id": .string(id), "object": .string("response"), "created_at": .integer(created),
            "status": .string(isFinal ? finalStatus : "in_progress"), "background": .bool(false), "error": .null,
            "incomplete_details": incomplete, "instructions": .optional(request.instructions),
            "max_output_tokens": .optional(request.maxOutputTokens), "model": .string(model), "output": .array(output),
            "parallel_tool_calls": .bool(true), "previous_response_id": .optional(request.previousResponseId),
            "reasoning": .members(["effort": reasoningId == nil ? .null : .string("medium"), "summary": .null]),
            "service_tier": .string(isFinal ? "default" : "auto"), "store": .bool(true), "temperature": .number("1.0"),
            "text": .members(["format": .members(["type": .string("text")])]), "tool_choice": .string("auto"),
            "tools": .array([]), "top_p": .number("1.0"), "truncation": .string("disabled"),
            "usage": isFinal ? usage.responsesJSON : .null, "user": .null, "metadata": .object([]),
        ])
    }
}
