extension ResponsesObject {
    /// The named events of a streamed response, each with its `sequence_number`: `response.created`,
    /// `response.in_progress`, the reasoning item (reasoning models), the message item with one
    /// `response.output_text.delta` per word, then `response.completed` (or `response.incomplete`)
    /// carrying `response.usage`. There is no `[DONE]`.
    func events() -> [[UInt8]] {
        var events: [[UInt8]] = []
        func emit(_ type: String, _ members: [JSONText.Member]) {
            let head: [JSONText.Member] = [.init(name: "type", value: .string(type)), .init(name: "sequence_number", value: .integer(events.count))]
            events.append(ServerSentEvents.named(type, .object(head + members)))
        }
        func member(_ name: String, _ value: JSONText) -> JSONText.Member { .init(name: name, value: value) }
        emit("response.created", [member("response", json(isFinal: false))])
        emit("response.in_progress", [member("response", json(isFinal: false))])
        var outputIndex = 0
        if let reasoningItem {
            emit("response.output_item.added", [member("output_index", .integer(0)), member("item", reasoningItem)])
            emit("response.output_item.done", [member("output_index", .integer(0)), member("item", reasoningItem)])
            outputIndex = 1
        }
        let position = [member("item_id", .string(messageId)), member("output_index", .integer(outputIndex)), member("content_index", .integer(0))]
        emit("response.output_item.added", [member("output_index", .integer(outputIndex)), member("item", messageItem(isDone: false))])
        let emptyPart: JSONText = .members(["type": .string("output_text"), "annotations": .array([]), "text": .string("")])
        emit("response.content_part.added", position + [member("part", emptyPart)])
        for piece in CompletionText.pieces(text) {
            emit("response.output_text.delta", position + [member("delta", .string(piece)), member("logprobs", .array([]))])
        }
        emit("response.output_text.done", position + [member("text", .string(text.joined(separator: " "))), member("logprobs", .array([]))])
        emit("response.content_part.done", position + [member("part", textPart)])
        emit("response.output_item.done", [member("output_index", .integer(outputIndex)), member("item", messageItem(isDone: true))])
        emit("response.\(finalStatus)", [member("response", json(isFinal: true))])
        return events
    }
}
