import Foundation

/// Decodes request bodies into their typed projections, turning failures into OpenAI's 400s.
enum RequestDecoding {
    /// The body as `T`, or `invalidJSON` (not JSON) / `invalidRequest` (a missing or mistyped parameter).
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(UpstreamError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, context) {
            let name = parameter(context.codingPath + [key])
            throw .invalidRequest(message: "Missing required parameter: '\(name)'.", parameter: name)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw invalid(context)
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw invalid(context)
        } catch {
            throw .invalidJSON
        }
    }

    /// A limit such as `max_tokens` must be at least 1 when given.
    static func checkLimit(_ value: Int?, name: String) throws(UpstreamError) -> Int? {
        guard let value, value < 1 else { return value }
        throw .invalidRequest(message: "Invalid '\(name)': integer below minimum value. Expected a value >= 1.", parameter: name)
    }

    private static func invalid(_ context: DecodingError.Context) -> UpstreamError {
        guard !context.codingPath.isEmpty else {
            return .invalidRequest(message: "The request body must be a JSON object.", parameter: nil)
        }
        let name = parameter(context.codingPath)
        return .invalidRequest(message: "Invalid type for '\(name)'.", parameter: name)
    }

    /// `messages[0].content`-style names of a coding path.
    private static func parameter(_ path: [any CodingKey]) -> String {
        path.reduce("") { name, key in
            if let index = key.intValue { return name + "[\(index)]" }
            return name.isEmpty ? key.stringValue : name + "." + key.stringValue
        }
    }
}

/// The text of a message-like value: a string, null, or an array of parts whose `text` counts when
/// the part is text (`text`, `input_text`, `output_text`) and whose nested `content` counts too
/// (Responses input items). Image and audio parts contribute nothing.
struct TextContent: Decodable, Sendable {
    /// The text pieces, in order.
    var texts: [String]

    private struct Part: Decodable {
        var type: String?
        var text: String?
        var content: TextContent?

        var texts: [String] {
            let isText = type == nil || ["text", "input_text", "output_text"].contains(type ?? "")
            return (isText ? text.map { [$0] } ?? [] : []) + (content?.texts ?? [])
        }
    }

    /// Decodes a string, null or an array of parts.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            texts = []
        } else if let text = try? container.decode(String.self) {
            texts = [text]
        } else {
            texts = try container.decode([Part].self).flatMap(\.texts)
        }
    }
}

/// A string or an array of strings (`input` of embeddings, `prompt` of completions).
struct TextList: Decodable, Sendable {
    /// The strings, in order.
    var texts: [String]

    /// Decodes a string or an array of strings.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            texts = [text]
        } else {
            texts = try container.decode([String].self)
        }
    }
}
