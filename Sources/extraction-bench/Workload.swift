import FoundationEssentials

/// Deterministic envelopes shaped like real traffic: prose with quotes and newlines in the
/// completion, usage at the end as Azure orders it.
enum Workload {
    static let sentence = "Chargeback assigns the cost of a \"shared\" service back to the teams that used it.\\nEach team sees tokens, cached tokens and cost per day. "

    static func prose(_ bytes: Int) -> String {
        String(repeating: sentence, count: bytes / sentence.utf8.count + 1)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func envelope(request: String, response: String, stream: Bool) -> [UInt8] {
        let text = "{\"schemaVersion\":1,\"source\":\"outbound\",\"requestId\":\"bench-1\",\"timestamp\":\"2026-11-29T10:15:30.1234567Z\","
            + "\"subscriptionId\":\"sub-a\",\"path\":\"/openai/deployments/gpt-4o/chat/completions\",\"deployment\":\"gpt-4o\","
            + "\"statusCode\":200,\"isStream\":\(stream),\"responseContentType\":\"\(stream ? "text/event-stream" : "application/json")\","
            + "\"requestBody\":\(quoted(request)),\"requestBodyLength\":\(request.utf8.count),"
            + "\"responseBody\":\(quoted(response)),\"responseBodyLength\":\(response.utf8.count)}"
        return Array(text.utf8)
    }

    static let request = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\(quoted(String(prose(4000).prefix(4000))))}]}"

    static func chatEnvelope(contentBytes: Int) -> [UInt8] {
        let response = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\(quoted(prose(contentBytes)))},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":1873,\"completion_tokens\":250000,\"total_tokens\":251873,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":1664,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}}"
        return envelope(request: request, response: response, stream: false)
    }

    static func streamEnvelope(contentBytes: Int) -> [UInt8] {
        var body = ""
        let words = sentence.split(separator: " ")
        var written = 0
        var index = 0
        while written < contentBytes {
            let word = String(words[index % words.count]) + " "
            let chunk = "data: {\"choices\":[{\"delta\":{\"content\":\(quoted(word))},\"finish_reason\":null,\"index\":0}],\"created\":1764490000,\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-11-20\",\"object\":\"chat.completion.chunk\",\"usage\":null}\n\n"
            body += chunk
            written += chunk.utf8.count
            index += 1
        }
        body += "data: {\"choices\":[],\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-11-20\",\"object\":\"chat.completion.chunk\",\"usage\":{\"prompt_tokens\":1873,\"completion_tokens\":\(index),\"total_tokens\":\(1873 + index)}}\n\ndata: [DONE]\n\n"
        return envelope(request: request, response: body, stream: true)
    }

    struct Envelope: Decodable {
        let requestId: String
        let subscriptionId: String?
        let statusCode: Int
        let requestBody: String?
        let responseBody: String?
    }

    struct Body: Decodable {
        struct Usage: Decodable {
            let prompt_tokens: Int
            let completion_tokens: Int
        }
        let usage: Usage?
    }

    /// The straightforward alternative: decode the envelope, then decode the response body.
    static func decodeWithJSONDecoder(_ bytes: [UInt8]) -> Int {
        let decoder = JSONDecoder()
        guard let envelope = try? decoder.decode(Envelope.self, from: Data(bytes)), let body = envelope.responseBody else { return 0 }
        if body.hasPrefix("data:") {
            var tokens = 0
            for line in body.split(separator: "\n") where line.hasPrefix("data: {") {
                if let usage = try? decoder.decode(Body.self, from: Data(line.dropFirst(6).utf8)).usage { tokens = usage.completion_tokens }
            }
            return tokens
        }
        return (try? decoder.decode(Body.self, from: Data(body.utf8)))?.usage?.completion_tokens ?? 0
    }
}
