import Foundation
import Testing
import SyntheticOpenAI

/// Every route answers in the shape of the recorded Azure OpenAI fixtures: same keys, nesting and types.
@Suite struct ShapeTests {
    @Test func chatCompletionMatchesTheFixture() throws {
        let response = Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Explain chargeback."))
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        let json = try Upstream.json(response)
        #expect(json.shape == (try Fixture.json("chat-completion.json")).shape)
        #expect(json["object"]?.string == "chat.completion")
        #expect(json["model"]?.string == "gpt-4o-2024-11-20")
        #expect(json["choices"]?[0]?["finish_reason"]?.string == "stop")
        #expect(json["id"]?.string?.hasPrefix("chatcmpl-") == true)
    }

    @Test func reasoningChatHasTheReasoningFixturesUsageAndNullFingerprint() throws {
        let response = Upstream.post("/openai/v1/chat/completions", Upstream.chatBody("Summarise spend.", model: "o4-mini"))
        let json = try Upstream.json(response)
        let fixture = try Fixture.json("chat-completion-reasoning.json")
        #expect(json["usage"]?.shape == fixture["usage"]?.shape)
        #expect(json["system_fingerprint"] == .null)
        #expect(json["model"]?.string == "o4-mini-2025-04-16")
        #expect((json["usage"]?["completion_tokens_details"]?["reasoning_tokens"]?.int ?? 0) > 0)
    }

    @Test(arguments: [true, false])
    func chatStreamMatchesTheFixture(includeUsage: Bool) throws {
        let extra = ["\"stream\":true"] + (includeUsage ? ["\"stream_options\":{\"include_usage\":true}"] : [])
        let response = Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Explain chargeback.", extra: extra))
        #expect(response.header("Content-Type") == "text/event-stream")
        let events = try Upstream.events(response)
        let fixture = try Fixture.events(includeUsage ? "chat-stream-with-usage.sse" : "chat-stream-without-usage.sse")
        #expect(events.last?.data == "[DONE]")
        #expect(events.allSatisfy { $0.type == nil })
        // The prompt-filter chunk, the role chunk, a word chunk and the finish chunk, as Azure sends them.
        let finish = includeUsage ? events.count - 3 : events.count - 2
        let fixtureFinish = includeUsage ? fixture.count - 3 : fixture.count - 2
        for (index, fixtureIndex) in [(0, 0), (1, 1), (2, 2), (finish, fixtureFinish)] {
            #expect(events[index].json?.shape == fixture[fixtureIndex].json?.shape, "chunk \(index)")
        }
        #expect(events[0].json?["choices"]?.array?.isEmpty == true)
        #expect(events[0].json?["model"]?.string == "")
        #expect(events[0].json?["id"]?.string == "")
        #expect(events[1].json?["choices"]?[0]?["delta"]?["role"]?.string == "assistant")
        #expect(events[finish].json?["choices"]?[0]?["finish_reason"]?.string == "stop")
        if includeUsage {
            #expect(events[events.count - 2].json?.shape == fixture[fixture.count - 2].json?.shape)
            #expect(events[events.count - 2].json?["choices"]?.array?.isEmpty == true)
        } else {
            #expect(!events.contains { $0.data.contains("\"usage\"") })
        }
    }

    @Test func legacyCompletionMatchesTheFixture() throws {
        let response = Upstream.post("/openai/deployments/gpt-35-turbo-instruct/completions", "{\"prompt\":\"Write a chargeback line.\"}")
        let json = try Upstream.json(response)
        #expect(json.shape == (try Fixture.json("completion-legacy.json")).shape)
        #expect(json["object"]?.string == "text_completion")
    }

    @Test func legacyCompletionStreamsWords() throws {
        let body = "{\"prompt\":\"Write.\",\"stream\":true,\"max_tokens\":4,\"stream_options\":{\"include_usage\":true}}"
        let events = try Upstream.events(Upstream.post("/openai/deployments/gpt-35-turbo-instruct/completions", body))
        let pieces = events.compactMap { $0.json?["choices"]?[0]?["text"]?.string }.filter { !$0.isEmpty }
        #expect(pieces.count == 4)
        #expect(events[events.count - 2].json?["usage"]?["completion_tokens"]?.int == 4)
        #expect(events.last?.data == "[DONE]")
    }

    @Test(arguments: ["/openai/deployments/text-embedding-3-small/embeddings", "/openai/v1/embeddings"])
    func embeddingsMatchTheFixture(path: String) throws {
        let body = "{\"model\":\"text-embedding-3-small\",\"input\":[\"team a\",\"team b\"]}"
        let json = try Upstream.json(Upstream.post(path, body))
        #expect(json.shape == (try Fixture.json("embeddings.json")).shape)
        #expect(json["data"]?.array?.count == 2)
        #expect(json["data"]?[1]?["index"]?.int == 1)
        #expect(json["data"]?[0]?["embedding"]?.array?.count == 1536)
        #expect(json["model"]?.string == "text-embedding-3-small")
    }

    @Test func embeddingsHonourDimensionsAndBase64() throws {
        let body = "{\"model\":\"text-embedding-3-large\",\"input\":\"x\",\"dimensions\":8,\"encoding_format\":\"base64\"}"
        let json = try Upstream.json(Upstream.post("/openai/v1/embeddings", body))
        let encoded = try #require(json["data"]?[0]?["embedding"]?.string)
        #expect(Foundation.Data(base64Encoded: encoded)?.count == 8 * 4)
        let large = try Upstream.json(Upstream.post("/openai/v1/embeddings", "{\"model\":\"text-embedding-3-large\",\"input\":\"x\"}"))
        #expect(large["data"]?[0]?["embedding"]?.array?.count == 3072)
    }

    @Test(arguments: ["/openai/responses", "/openai/v1/responses"])
    func responsesMatchTheFixture(path: String) throws {
        let body = "{\"model\":\"o4-mini\",\"instructions\":\"You are a FinOps assistant.\",\"input\":\"How much did team A use?\"}"
        let json = try Upstream.json(Upstream.post(path, body))
        #expect(json.shape == (try Fixture.json("responses.json")).shape)
        #expect(json["status"]?.string == "completed")
        #expect(json["output"]?[0]?["type"]?.string == "reasoning")
        #expect(json["output"]?[1]?["content"]?[0]?["type"]?.string == "output_text")
        #expect(json["id"]?.string?.hasPrefix("resp_") == true)
    }

    @Test func responsesStreamMatchesTheFixture() throws {
        let body = "{\"model\":\"gpt-4.1-mini\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Snapshot?\"}]}],\"stream\":true}"
        let events = try Upstream.events(Upstream.post("/openai/v1/responses", body))
        let fixture = try Fixture.events("responses-stream.sse")
        func collapsedTypes(_ events: [SSEEvent]) -> [String] {
            events.compactMap(\.type).reduce(into: []) { types, type in if types.last != type { types.append(type) } }
        }
        #expect(collapsedTypes(events) == collapsedTypes(fixture))
        for expected in fixture {
            let actual = events.first { $0.type == expected.type }
            #expect(actual?.json?.shape == expected.json?.shape, "\(expected.type ?? "")")
        }
        for (index, event) in events.enumerated() {
            #expect(event.json?["type"]?.string == event.type)
            #expect(event.json?["sequence_number"]?.int == index)
        }
        let deltas = events.filter { $0.type == "response.output_text.delta" }.compactMap { $0.json?["delta"]?.string }
        let done = events.first { $0.type == "response.output_text.done" }?.json?["text"]?.string
        #expect(deltas.joined() == done)
        #expect(events.last?.json?["response"]?["usage"]?["output_tokens"]?.int == deltas.count)
    }

    @Test(arguments: ["/openai/deployments/dall-e-3/images/generations", "/openai/v1/images/generations"])
    func dallEMatchesTheFixture(path: String) throws {
        let body = "{\"model\":\"dall-e-3\",\"prompt\":\"A bar chart of spend.\",\"n\":2}"
        let json = try Upstream.json(Upstream.post(path, body))
        #expect(json.shape == (try Fixture.json("images-dalle3.json")).shape)
        #expect(json["data"]?.array?.count == 2)
        #expect(json["usage"] == nil)
    }

    @Test func gptImageMatchesTheFixture() throws {
        let body = "{\"prompt\":\"A bar chart of spend.\"}"
        let json = try Upstream.json(Upstream.post("/openai/deployments/gpt-image-1/images/generations", body))
        #expect(json.shape == (try Fixture.json("images-gpt-image-1.json")).shape)
        #expect(json["quality"]?.string == "medium")
        #expect(json["size"]?.string == "1024x1024")
        #expect(json["data"]?.array?.count == 1)
    }
}
