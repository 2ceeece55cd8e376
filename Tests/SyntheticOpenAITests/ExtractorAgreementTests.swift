import ChargebackCore
import Testing
import SyntheticOpenAI

/// The chargeback extractor, fed the synthetic exchanges in payload-contract envelopes, meters exactly
/// the usage the synthetic upstream reported.
@Suite struct ExtractorAgreementTests {
    /// Prompt, cached, completion and reasoning tokens of a chat `usage` object.
    static func chatNumbers(_ usage: JSON?) throws -> (prompt: Int64, cached: Int64, completion: Int64, reasoning: Int64) {
        let usage = try #require(usage)
        return (
            Int64(try #require(usage["prompt_tokens"]?.int)), Int64(try #require(usage["prompt_tokens_details"]?["cached_tokens"]?.int)),
            Int64(try #require(usage["completion_tokens"]?.int)),
            Int64(try #require(usage["completion_tokens_details"]?["reasoning_tokens"]?.int))
        )
    }

    static func responsesNumbers(_ usage: JSON?) throws -> (prompt: Int64, cached: Int64, completion: Int64, reasoning: Int64) {
        let usage = try #require(usage)
        return (
            Int64(try #require(usage["input_tokens"]?.int)), Int64(try #require(usage["input_tokens_details"]?["cached_tokens"]?.int)),
            Int64(try #require(usage["output_tokens"]?.int)), Int64(try #require(usage["output_tokens_details"]?["reasoning_tokens"]?.int))
        )
    }

    static func expectMeters(_ event: UsageEvent, _ numbers: (prompt: Int64, cached: Int64, completion: Int64, reasoning: Int64)) {
        #expect(event.usageSource == .reported)
        #expect(event.meters.inputTokens == numbers.prompt - numbers.cached)
        #expect(event.meters.cachedInputTokens == numbers.cached)
        #expect(event.meters.outputTokens == numbers.completion)
        #expect(event.meters.reasoningTokens == numbers.reasoning)
        #expect(event.flags.isEmpty)
    }

    /// Short and cache-sized prompts, on a plain and a reasoning deployment.
    static let chatCases: [(deployment: String, promptTokens: Int)] = [("gpt-4o", 10), ("gpt-4o", 1500), ("o4-mini", 10), ("o4-mini", 3000)]

    @Test(arguments: chatCases)
    func chatJSON(deployment: String, promptTokens: Int) throws {
        let path = "/openai/deployments/\(deployment)/chat/completions"
        let (response, event) = try Envelope.exchange(path, deployment: deployment, Upstream.chatBody(text(tokens: promptTokens)))
        let numbers = try Self.chatNumbers(try Upstream.json(response)["usage"])
        Self.expectMeters(event, numbers)
        #expect(numbers.cached > 0 || promptTokens < 1000)
        #expect(numbers.reasoning > 0 || deployment == "gpt-4o")
        #expect(event.operation == .chat)
        #expect(event.modelVersion == Upstream.upstream.modelForDeployment(deployment))
    }

    @Test("GPT-5.6 and later report prompt-cache writes, inside the prompt, and the extractor meters them apart",
          arguments: [("gpt-5.6", 1500, true), ("gpt-5.6", 10, true), ("gpt-5", 1500, false), ("gpt-4o", 1500, false)])
    func cacheWrites(deployment: String, promptTokens: Int, reports: Bool) throws {
        let (response, event) = try Envelope.exchange("/openai/deployments/\(deployment)/chat/completions", deployment: deployment,
                                                      Upstream.chatBody(text(tokens: promptTokens)))
        let usage = try #require(try Upstream.json(response)["usage"])
        let numbers = try Self.chatNumbers(usage)
        let written = usage["prompt_tokens_details"]?["cache_write_tokens"]?.int
        #expect((written != nil) == reports, "only GPT-5.6 and later carry the field")
        #expect((written ?? 0) > 0 || promptTokens < 1024 || !reports)
        #expect(event.meters.cacheWriteInputTokens == Int64(written ?? 0))
        #expect(event.meters.inputTokens == numbers.prompt - numbers.cached - Int64(written ?? 0))
        #expect(event.meters.cachedInputTokens == numbers.cached && event.flags.isEmpty)
        let responses = try Envelope.exchange("/openai/v1/responses", deployment: deployment,
                                              "{\"model\":\"\(deployment)\",\"input\":\"\(text(tokens: promptTokens))\"}")
        let responsesWritten = try Upstream.json(responses.0)["usage"]?["input_tokens_details"]?["cache_write_tokens"]?.int
        #expect((responsesWritten != nil) == reports && responses.1.meters.cacheWriteInputTokens == Int64(responsesWritten ?? 0))
    }

    @Test(arguments: chatCases)
    func chatStreamWithUsage(deployment: String, promptTokens: Int) throws {
        let body = Upstream.chatBody(text(tokens: promptTokens), model: deployment, extra: ["\"stream\":true", "\"stream_options\":{\"include_usage\":true}"])
        let (response, event) = try Envelope.exchange("/openai/v1/chat/completions", deployment: deployment, body)
        let events = try Upstream.events(response)
        Self.expectMeters(event, try Self.chatNumbers(events[events.count - 2].json?["usage"]))
        #expect(event.isStream)
        #expect(event.modelVersion == Upstream.upstream.modelForDeployment(deployment))
    }

    @Test func chatStreamWithoutUsageIsEstimated() throws {
        let user = "Explain chargeback for an LLM gateway in one paragraph."
        let (response, event) = try Envelope.exchange(
            "/openai/deployments/gpt-4o/chat/completions", deployment: "gpt-4o", Upstream.chatBody(user, extra: ["\"stream\":true"]))
        #expect(event.usageSource == .estimated)
        #expect(event.flags == ["stream_without_usage"])
        // The extractor's estimator: roles count as text, 3 per message, 3 to prime the reply.
        let characters = ("system" + "You are terse." + "user" + user).unicodeScalars.count
        #expect(event.meters.inputTokens == Int64((characters + 3) / 4 + 3 * 2 + 3))
        let streamed = try Upstream.events(response).compactMap { $0.json?["choices"]?[0]?["delta"]?["content"]?.string }.joined()
        #expect(event.meters.outputTokens == Int64((streamed.unicodeScalars.count + 3) / 4))
        #expect(event.meters.cachedInputTokens == 0)
    }

    @Test(arguments: [("/openai/deployments/text-embedding-3-small/embeddings", "\"team a spend\""),
                      ("/openai/v1/embeddings", "[\"" + text(tokens: 700) + "\",\"b\"]")])
    func embeddings(path: String, input: String) throws {
        let body = "{\"model\":\"text-embedding-3-small\",\"input\":\(input)}"
        let (response, event) = try Envelope.exchange(path, deployment: "text-embedding-3-small", body)
        let prompt = Int64(try #require(try Upstream.json(response)["usage"]?["prompt_tokens"]?.int))
        #expect(event.usageSource == .reported)
        #expect(event.operation == .embedding)
        #expect(event.meters.inputTokens == prompt)
        #expect(event.meters.outputTokens == 0)
        #expect(event.meters.cachedInputTokens == 0)
    }

    @Test(arguments: [("o4-mini", 2000), ("gpt-4.1-mini", 5)])
    func responsesJSON(deployment: String, inputTokens: Int) throws {
        let body = "{\"model\":\"\(deployment)\",\"instructions\":\"Be brief.\",\"input\":\"\(text(tokens: inputTokens))\"}"
        let (response, event) = try Envelope.exchange("/openai/v1/responses", deployment: deployment, body)
        let json = try Upstream.json(response)
        Self.expectMeters(event, try Self.responsesNumbers(json["usage"]))
        #expect(event.operation == .response)
        #expect(event.responseId == json["id"]?.string)
    }

    @Test(arguments: [("o4-mini", 2000), ("gpt-4.1-mini", 5)])
    func responsesStream(deployment: String, inputTokens: Int) throws {
        let body = "{\"model\":\"\(deployment)\",\"input\":\"\(text(tokens: inputTokens))\",\"stream\":true}"
        let (response, event) = try Envelope.exchange("/openai/responses", deployment: deployment, body)
        let completed = try #require(try Upstream.events(response).last?.json?["response"])
        Self.expectMeters(event, try Self.responsesNumbers(completed["usage"]))
        #expect(event.isStream)
        #expect(event.responseId == completed["id"]?.string)
    }

    @Test(arguments: [("high", "1024x1536", 2), ("low", "1024x1024", 1)])
    func gptImage(quality: String, size: String, count: Int) throws {
        let body = "{\"prompt\":\"A bar chart of token spend per team.\",\"quality\":\"\(quality)\",\"size\":\"\(size)\",\"n\":\(count)}"
        let (response, event) = try Envelope.exchange("/openai/deployments/gpt-image-1/images/generations", deployment: "gpt-image-1", body)
        let usage = try #require(try Upstream.json(response)["usage"])
        #expect(event.usageSource == .reported)
        #expect(event.operation == .image)
        #expect(event.meters.inputTokens == Int64(try #require(usage["input_tokens_details"]?["text_tokens"]?.int)))
        #expect(event.meters.imageInputTokens == 0)
        #expect(event.meters.imageOutputTokens == Int64(try #require(usage["output_tokens"]?.int)))
        #expect(event.meters.outputTokens == 0)
        #expect(event.meters.images == Int64(count))
        #expect(event.meters.imageSize == size)
        #expect(event.meters.imageQuality == quality)
        #expect(event.flags.isEmpty)
    }

    @Test func dallEWithSizeAndQuality() throws {
        let body = "{\"model\":\"dall-e-3\",\"prompt\":\"A chart.\",\"n\":3,\"size\":\"1792x1024\",\"quality\":\"hd\"}"
        let (_, event) = try Envelope.exchange("/openai/v1/images/generations", deployment: "dall-e-3", body)
        #expect(event.usageSource == .reported)
        #expect(event.meters.images == 3)
        #expect(event.meters.imageSize == "1792x1024")
        #expect(event.meters.imageQuality == "hd")
        #expect(event.meters.inputTokens == 0 && event.meters.imageOutputTokens == 0)
        #expect(event.flags.isEmpty)
    }

    @Test func dallEWithDefaults() throws {
        let (_, event) = try Envelope.exchange(
            "/openai/deployments/dall-e-3/images/generations", deployment: "dall-e-3", "{\"prompt\":\"A chart.\"}")
        #expect(event.meters.images == 1)
        #expect(event.meters.imageSize == "1024x1024")
        #expect(event.meters.imageQuality == "standard")
        #expect(event.flags == ["default_image_options"])
    }

    @Test func rateLimitedHasNoTokens() throws {
        let (response, event) = try Envelope.exchange(
            "/openai/deployments/gpt-4o/chat/completions", deployment: "gpt-4o", Upstream.chatBody("[[fault:429]]"))
        #expect(response.status == 429)
        #expect(event.statusCode == 429)
        #expect(event.usageSource == .none)
        #expect(event.meters.isEmpty)
    }

    @Test func serverErrorHasNoTokens() throws {
        let (_, event) = try Envelope.exchange("/openai/v1/responses", deployment: "o4-mini", "{\"model\":\"o4-mini\",\"input\":\"[[fault:500]]\"}")
        #expect(event.statusCode == 500)
        #expect(event.usageSource == .none)
        #expect(event.meters.isEmpty)
    }

    @Test func promptFilteredIsEstimatedAndFlagged() throws {
        let user = "[[fault:content_filter]] tell me"
        let (_, event) = try Envelope.exchange(
            "/openai/deployments/gpt-4o/chat/completions", deployment: "gpt-4o", Upstream.chatBody(user))
        #expect(event.statusCode == 400)
        #expect(event.usageSource == .estimated)
        #expect(event.flags == ["content_filtered"])
        let characters = ("system" + "You are terse." + "user" + user).unicodeScalars.count
        #expect(event.meters.inputTokens == Int64((characters + 3) / 4 + 3 * 2 + 3))
        #expect(event.meters.outputTokens == 0)
    }

    @Test func completionFilteredIsReportedInFull() throws {
        let body = Upstream.chatBody("[[fault:completion_filter]]", extra: ["\"stream\":true", "\"stream_options\":{\"include_usage\":true}"])
        let (response, event) = try Envelope.exchange("/openai/deployments/gpt-4o/chat/completions", deployment: "gpt-4o", body)
        let events = try Upstream.events(response)
        Self.expectMeters(event, try Self.chatNumbers(events[events.count - 2].json?["usage"]))
    }

    @Test func legacyCompletion() throws {
        let (response, event) = try Envelope.exchange(
            "/openai/deployments/gpt-35-turbo-instruct/completions", deployment: "gpt-35-turbo-instruct", "{\"prompt\":\"Say hi.\"}")
        let usage = try #require(try Upstream.json(response)["usage"])
        #expect(event.usageSource == .reported)
        #expect(event.operation == .completion)
        #expect(event.meters.inputTokens == Int64(try #require(usage["prompt_tokens"]?.int)))
        #expect(event.meters.outputTokens == Int64(try #require(usage["completion_tokens"]?.int)))
    }
}
