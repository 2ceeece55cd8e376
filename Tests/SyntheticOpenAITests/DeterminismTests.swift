import Testing
import SyntheticOpenAI

/// The same request always gets the same bytes; different bodies get different numbers and ids.
@Suite struct DeterminismTests {
    static let requests: [(path: String, body: String)] = [
        ("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Explain chargeback.")),
        ("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Explain.", extra: ["\"stream\":true"])),
        ("/openai/deployments/gpt-35-turbo-instruct/completions", "{\"prompt\":\"Say hi\"}"),
        ("/openai/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}"),
        ("/openai/v1/responses", "{\"model\":\"o4-mini\",\"input\":\"Hi\",\"stream\":true}"),
        ("/openai/v1/images/generations", "{\"model\":\"gpt-image-1\",\"prompt\":\"chart\"}"),
        ("/openai/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"chart\"}"),
        ("/openai/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"[[fault:429]]\"}],\"model\":\"gpt-4o\"}"),
    ]

    @Test(arguments: requests.indices)
    func sameRequestGetsIdenticalBytes(index: Int) {
        let (path, body) = Self.requests[index]
        let first = Upstream.post(path, body)
        // A fresh upstream, so nothing can be remembered between calls.
        let second = SyntheticOpenAI(modelForDeployment: Upstream.upstream.modelForDeployment)
            .respond(to: SyntheticRequest(path: path, query: ["api-version": "2024-10-21"], body: Array(body.utf8)))
        #expect(first.status == second.status)
        #expect(first.headers.map { "\($0.name): \($0.value)" } == second.headers.map { "\($0.name): \($0.value)" })
        #expect(first.body == second.body)
        #expect(!first.body.bytes.isEmpty)
    }

    @Test("a nonce changes the ids (unique per call, as Azure's are) and nothing else")
    func nonceChangesIdsOnly() throws {
        let body = Array(Upstream.chatBody("Same question.").utf8)
        let path = "/openai/deployments/gpt-4o/chat/completions"
        let plain = Upstream.upstream.respond(to: SyntheticRequest(path: path, body: body))
        let salted = Upstream.upstream.respond(to: SyntheticRequest(path: path, body: body, nonce: 42))
        let first = try Upstream.json(plain), second = try Upstream.json(salted)
        #expect(first["id"]?.string != second["id"]?.string)
        #expect(plain.header("apim-request-id") != salted.header("apim-request-id"))
        #expect(first["usage"]?["prompt_tokens"]?.int == second["usage"]?["prompt_tokens"]?.int)
        #expect(first["usage"]?["completion_tokens"]?.int == second["usage"]?["completion_tokens"]?.int)
        let streamed = try Upstream.events(Upstream.upstream.respond(to: SyntheticRequest(
            path: "/openai/v1/responses", body: Array(#"{"model":"gpt-41","input":"Hi","stream":true}"#.utf8), nonce: 7)))
        let unsalted = try Upstream.events(Upstream.post("/openai/v1/responses", #"{"model":"gpt-41","input":"Hi","stream":true}"#))
        #expect(streamed.count == unsalted.count)
    }

    @Test func differentBodiesUsuallyGetDifferentCompletions() throws {
        var completions: Set<Int> = []
        var requestIds: Set<String> = []
        for number in 0..<50 {
            let response = Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Question \(number)"))
            completions.insert(try #require(try Upstream.json(response)["usage"]?["completion_tokens"]?.int))
            requestIds.insert(try #require(response.header("apim-request-id")))
        }
        // 50 draws from 240 values: a handful of collisions at most.
        #expect(completions.count >= 35)
        #expect(completions.allSatisfy { (16..<256).contains($0) })
        #expect(requestIds.count == 50)
    }

    @Test func requestIdsAreUUIDShapedAndDistinct() throws {
        let response = Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Hi"))
        let apim = try #require(response.header("apim-request-id"))
        let request = try #require(response.header("x-request-id"))
        for id in [apim, request] {
            #expect(id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
            #expect(id.allSatisfy { $0 == "-" || $0.isHexDigit })
        }
        #expect(apim != request)
        #expect(response.header("x-ms-region") == "East US 2")
    }

    @Test func theSameTextGetsTheSameEmbeddingWhereverItStands() throws {
        let alone = try Upstream.json(Upstream.post("/openai/v1/embeddings", "{\"model\":\"e\",\"input\":\"team a\"}"))
        let second = try Upstream.json(Upstream.post("/openai/v1/embeddings", "{\"model\":\"e\",\"input\":[\"x\",\"team a\"]}"))
        #expect(alone["data"]?[0]?["embedding"] == second["data"]?[1]?["embedding"])
        #expect(second["data"]?[0]?["embedding"] != second["data"]?[1]?["embedding"])
    }
}
