import Testing
import SyntheticOpenAI

/// The documented numbers, recomputed here from the rules on `SyntheticOpenAI`.
@Suite struct TokenRuleTests {
    /// 64-bit FNV-1a, written out again so that the rule is checked, not the implementation.
    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(14_695_981_039_346_656_037 as UInt64) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }

    static func usage(_ response: SyntheticResponse) throws -> JSON {
        try #require(try Upstream.json(response)["usage"])
    }

    @Test func chatPromptIsThreePerMessagePlusQuarterCharactersPlusThree() throws {
        // "You are terse." is 14 characters (4 tokens); "ééééé" is 5 characters (2 tokens), 10 UTF-8 bytes.
        let body = Upstream.chatBody("ééééé")
        let usage = try Self.usage(Upstream.post("/openai/deployments/gpt-4o/chat/completions", body))
        #expect(usage["prompt_tokens"]?.int == 3 + (3 + 4) + (3 + 2))
        #expect(usage["prompt_tokens_details"]?["cached_tokens"]?.int == 0)
        #expect(usage["completion_tokens_details"]?["reasoning_tokens"]?.int == 0)
        let completion = 16 + Int(Self.fnv1a(body) % 240)
        #expect(usage["completion_tokens"]?.int == completion)
        #expect(usage["total_tokens"]?.int == 15 + completion)
    }

    @Test func textPartsCountAndImagePartsDoNot() throws {
        let body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"abcd\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.invalid/a.png\"}},{\"type\":\"text\",\"text\":\"efghi\"}]},"
            + "{\"role\":\"assistant\",\"content\":null}]}"
        let usage = try Self.usage(Upstream.post("/openai/deployments/gpt-4o/chat/completions", body))
        #expect(usage["prompt_tokens"]?.int == 3 + (3 + 3) + (3 + 0))
    }

    @Test func longPromptsHitTheCacheInMultiplesOf64() throws {
        let body = Upstream.chatBody(text(tokens: 2000))
        let usage = try Self.usage(Upstream.post("/openai/deployments/gpt-4o/chat/completions", body))
        let prompt = 3 + (3 + 4) + (3 + 2000)
        #expect(usage["prompt_tokens"]?.int == prompt)
        #expect(usage["prompt_tokens_details"]?["cached_tokens"]?.int == (prompt / 128) * 64)
        #expect((prompt / 128) * 64 == 960)
    }

    @Test func cacheStartsAt1024Tokens() throws {
        // 3 + 7 + 3 + n = 1024 exactly for n = 1011; one token fewer stays uncached.
        let hit = try Self.usage(Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody(text(tokens: 1011))))
        let miss = try Self.usage(Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody(text(tokens: 1010))))
        #expect(hit["prompt_tokens"]?.int == 1024)
        #expect(hit["prompt_tokens_details"]?["cached_tokens"]?.int == 512)
        #expect(miss["prompt_tokens_details"]?["cached_tokens"]?.int == 0)
    }

    @Test(arguments: ["max_tokens", "max_completion_tokens"])
    func tokenLimitsCapTheCompletion(name: String) throws {
        let response = Upstream.post("/openai/deployments/gpt-4o/chat/completions", Upstream.chatBody("Hi", extra: ["\"\(name)\":5"]))
        let json = try Upstream.json(response)
        #expect(json["usage"]?["completion_tokens"]?.int == 5)
        #expect(json["choices"]?[0]?["message"]?["content"]?.string?.split(separator: " ").count == 5)
    }

    @Test(arguments: [("o4-mini", true), ("o1", true), ("o3-mini", true), ("gpt-5-mini", true), ("gpt-4o", false), ("omni-search", false)])
    func reasoningModelsReasonHalfTheCompletion(deployment: String, reasons: Bool) throws {
        let path = "/openai/deployments/\(deployment)/chat/completions"
        let json = try Upstream.json(Upstream.post(path, Upstream.chatBody("Hi", extra: ["\"max_completion_tokens\":21"])))
        #expect(json["usage"]?["completion_tokens"]?.int == 21)
        #expect(json["usage"]?["completion_tokens_details"]?["reasoning_tokens"]?.int == (reasons ? 10 : 0))
        // Visible text is the completion less its reasoning, one token per word.
        #expect(json["choices"]?[0]?["message"]?["content"]?.string?.split(separator: " ").count == (reasons ? 11 : 21))
    }

    @Test func responsesInputIsQuarterOfInstructionsAndInputPlusThree() throws {
        let body = "{\"model\":\"gpt-4.1-mini\",\"instructions\":\"abc\",\"input\":\"defghijkl\",\"max_output_tokens\":7}"
        let usage = try Self.usage(Upstream.post("/openai/v1/responses", body))
        #expect(usage["input_tokens"]?.int == 3 + 3)
        #expect(usage["input_tokens_details"]?["cached_tokens"]?.int == 0)
        #expect(usage["output_tokens"]?.int == 7)
        #expect(usage["output_tokens_details"]?["reasoning_tokens"]?.int == 0)
        #expect(usage["total_tokens"]?.int == 13)
    }

    @Test func responsesFromAReasoningModelHaveReasoningTokens() throws {
        let body = "{\"model\":\"o4-mini\",\"input\":[{\"role\":\"user\",\"content\":\"" + text(tokens: 1200) + "\"}]}"
        let usage = try Self.usage(Upstream.post("/openai/responses", body, query: ["api-version": "2025-04-01-preview"]))
        let output = 16 + Int(Self.fnv1a(body) % 240)
        #expect(usage["input_tokens"]?.int == 1203)
        #expect(usage["input_tokens_details"]?["cached_tokens"]?.int == (1203 / 128) * 64)
        #expect(usage["output_tokens"]?.int == output)
        #expect(usage["output_tokens_details"]?["reasoning_tokens"]?.int == output / 2)
    }

    @Test(arguments: [("\"abcde\"", 2), ("[\"abcde\",\"f\"]", 3), ("\"\"", 1)])
    func embeddingsSumQuarterCharactersPerInput(input: String, tokens: Int) throws {
        let usage = try Self.usage(Upstream.post("/openai/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\(input)}"))
        #expect(usage["prompt_tokens"]?.int == tokens)
        #expect(usage["total_tokens"]?.int == tokens)
    }

    @Test(arguments: [("low", "1024x1024", 1, 272), ("medium", "1024x1024", 2, 2112), ("high", "1024x1024", 2, 8320),
                      ("low", "1024x1536", 1, 408), ("high", "1536x1024", 1, 6240)])
    func gptImageOutputTokensFollowQualitySizeAndCount(quality: String, size: String, count: Int, output: Int) throws {
        let body = "{\"prompt\":\"0123456789\",\"quality\":\"\(quality)\",\"size\":\"\(size)\",\"n\":\(count)}"
        let json = try Upstream.json(Upstream.post("/openai/deployments/gpt-image-1/images/generations", body))
        #expect(json["usage"]?["input_tokens"]?.int == 3)
        #expect(json["usage"]?["input_tokens_details"]?["text_tokens"]?.int == 3)
        #expect(json["usage"]?["input_tokens_details"]?["image_tokens"]?.int == 0)
        #expect(json["usage"]?["output_tokens"]?.int == output)
        #expect(json["usage"]?["total_tokens"]?.int == output + 3)
        #expect(json["data"]?.array?.count == count)
        #expect(json["quality"]?.string == quality)
        #expect(json["size"]?.string == size)
    }

    @Test func streamedWordsAreTheCompletion() throws {
        let body = Upstream.chatBody("Hi", extra: ["\"stream\":true", "\"stream_options\":{\"include_usage\":true}"])
        let events = try Upstream.events(Upstream.post("/openai/deployments/gpt-4o/chat/completions", body))
        let words = events.compactMap { $0.json?["choices"]?[0]?["delta"]?["content"]?.string }.filter { !$0.isEmpty }
        let usage = events[events.count - 2].json?["usage"]
        #expect(words.count == usage?["completion_tokens"]?.int)
        #expect(words.count == 16 + Int(Self.fnv1a(body) % 240))
        #expect(words.dropFirst().allSatisfy { $0.hasPrefix(" ") })
    }
}
