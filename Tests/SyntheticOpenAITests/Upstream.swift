import SyntheticOpenAI

/// Builds requests and reads responses for the tests.
enum Upstream {
    static let upstream = SyntheticOpenAI { deployment in
        ["gpt-4o": "gpt-4o-2024-11-20", "o4-mini": "o4-mini-2025-04-16", "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14"][deployment] ?? deployment
    }

    static func post(_ path: String, _ body: String, query: [String: String] = ["api-version": "2024-10-21"]) -> SyntheticResponse {
        upstream.respond(to: SyntheticRequest(method: "POST", path: path, query: query, body: Array(body.utf8)))
    }

    /// A chat request body with the given user text and extra members (raw JSON, `"name":value`).
    static func chatBody(_ text: String, model: String? = nil, extra: [String] = []) -> String {
        let modelMember = model.map { ["\"model\":\"\($0)\""] } ?? []
        let messages = "\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"\(text)\"}]"
        return "{" + (modelMember + [messages] + extra).joined(separator: ",") + "}"
    }

    static func json(_ response: SyntheticResponse) throws -> JSON {
        guard case let .json(bytes) = response.body else { throw TestFailure("expected a JSON body, got events") }
        return try JSON.parse(bytes)
    }

    static func events(_ response: SyntheticResponse) throws -> [SSEEvent] {
        guard case let .events(events) = response.body else { throw TestFailure("expected events, got JSON") }
        for event in events where !(event.count > 2 && event.suffix(2).elementsEqual([0x0A, 0x0A])) {
            throw TestFailure("an event does not end with a blank line")
        }
        return events.flatMap { SSEEvent.parse($0) }
    }
}

/// A test precondition that failed.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `count` copies of a four-letter word: `count` tokens by the ⌈characters ÷ 4⌉ rule.
func text(tokens count: Int) -> String {
    String(repeating: "abcd", count: count)
}
