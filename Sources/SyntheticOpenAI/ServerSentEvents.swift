/// Server-sent-event framing as Azure OpenAI writes it.
enum ServerSentEvents {
    /// `data: {json}\n\n` (chat and completion chunks).
    static func data(_ json: JSONText) -> [UInt8] {
        Array("data: ".utf8) + json.bytes + Array("\n\n".utf8)
    }

    /// `event: <type>\ndata: {json}\n\n` (Responses API events).
    static func named(_ type: String, _ json: JSONText) -> [UInt8] {
        Array("event: \(type)\ndata: ".utf8) + json.bytes + Array("\n\n".utf8)
    }

    /// `data: [DONE]\n\n`, the end of a chat or completion stream.
    static let done: [UInt8] = Array("data: [DONE]\n\n".utf8)
}
